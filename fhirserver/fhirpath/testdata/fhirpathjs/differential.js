// Differential FHIRPath runner: evaluates (expression, resource file) pairs
// with fhirpath.js (the version pinned in package.json) and prints one JSON
// line per pair. Driven by fhirserver/fhirpath/differential_test.go, which
// evaluates the same pairs with fhirfleet's engine and compares.
//
// Usage: node differential.js <job.json>
// job: {"version": "r4"|"stu3", "exprs": [...], "cases": [{"file": path, "exprs": [index, ...]}]}
// out: one line per pair: {"c": caseIndex, "e": exprIndex, "r": result} or {..., "err": message}
// With "mode": "invariants" the job also has "bases" (element paths) and each
// case lists "pairs" of [baseIndex, exprIndex]; the answer is
// {"c", "p": pairIndex, "n": [result per node]} or {..., "err"}.
'use strict';
const fs = require('fs');
// stdout carries only answers; fhirpath.js prints trace() output (some
// invariants trace) with console.log, which is dropped.
console.log = () => {};
const fhirpath = require('fhirpath');
const { ResourceNode } = require('fhirpath/src/types.js');

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const model = require('fhirpath/fhir-context/' + job.version);

// resolve() to the reference's type only, as fhirfleet's search indexer
// does: "Patient/1", ".../Patient/1/_history/2" give a Patient.
function refType(ref) {
  if (typeof ref !== 'string' || ref.startsWith('#') || ref.startsWith('urn:')) return null;
  const i = ref.indexOf('/_history/');
  if (i >= 0) ref = ref.slice(0, i);
  const parts = ref.split('/');
  if (parts.length < 2) return null;
  const t = parts[parts.length - 2], id = parts[parts.length - 1];
  if (!id || !/^[A-Z][A-Za-z0-9_]*$/.test(t)) return null;
  return t;
}

const options = {
  resolveInternalTypes: true,
  userInvocationTable: {
    resolve: {
      fn: function (coll) {
        const out = [];
        for (const item of coll) {
          const d = item instanceof ResourceNode ? item.data : item;
          const ref = d && typeof d === 'object' ? d.reference : d;
          const t = refType(ref);
          if (t) out.push(ResourceNode.makeResNode(this, { resourceType: t }, null, null, null, null));
        }
        return out;
      },
      arity: { 0: [] },
    },
  },
};

const compiled = job.exprs.map((src) => {
  try {
    return { fn: fhirpath.compile(src, model, options) };
  } catch (e) {
    return { err: String(e && e.message || e) };
  }
});


const out = [];
function flush(force) {
  if (force || out.length > 5000) {
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  }
}

function run(fn, input, vars) {
  try {
    return { r: fn(input, vars) };
  } catch (e) {
    return { err: String(e && e.message || e) };
  }
}

if (job.mode === 'invariants') {
  // Each pair is [basePath, expression]: the expression is evaluated on
  // every object node the base path finds, with %resource the resource.
  const bases = job.bases.map((src) => fhirpath.compile(src, model, options));
  job.cases.forEach((c, ci) => {
    const resource = JSON.parse(fs.readFileSync(c.file, 'utf8').replace(/^\uFEFF/, ''));
    const found = new Map();
    c.pairs.forEach(([bi, ei], pi) => {
      const cf = compiled[ei];
      if (cf.err) {
        out.push(JSON.stringify({ c: ci, p: pi, err: 'compile: ' + cf.err }));
        return;
      }
      if (!found.has(bi)) {
        found.set(bi, bases[bi](resource).filter((n) => n && typeof n === 'object' && !Array.isArray(n)));
      }
      const nodes = found.get(bi);
      const results = [];
      let err = null;
      for (const n of nodes) {
        const r = run(cf.fn, n, { resource: resource, rootResource: resource });
        if (r.err) { err = r.err; break; }
        results.push(r.r);
      }
      out.push(JSON.stringify(err ? { c: ci, p: pi, err: err } : { c: ci, p: pi, n: results }));
    });
    flush(false);
  });
} else {
  job.cases.forEach((c, ci) => {
    const resource = JSON.parse(fs.readFileSync(c.file, 'utf8').replace(/^\uFEFF/, ''));
    for (const ei of c.exprs) {
      const cf = compiled[ei];
      if (cf.err) {
        out.push(JSON.stringify({ c: ci, e: ei, err: 'compile: ' + cf.err }));
        continue;
      }
      const r = run(cf.fn, resource);
      out.push(JSON.stringify(r.err ? { c: ci, e: ei, err: r.err } : { c: ci, e: ei, r: r.r }));
    }
    flush(false);
  });
}
flush(true);
