// Differential FHIRPath runner: evaluates (expression, resource file) pairs
// with fhirpath.js (the version pinned in package.json) and prints one JSON
// line per pair. Driven by fhirserver/fhirpath/differential_test.go, which
// evaluates the same pairs with fhirfleet's engine and compares.
//
// Usage: node differential.js <job.json>
// job: {"version": "r4"|"stu3", "exprs": [...], "cases": [{"file": path, "exprs": [index, ...]}]}
// out: one line per pair: {"c": caseIndex, "e": exprIndex, "r": result} or {..., "err": message}
'use strict';
const fs = require('fs');
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
job.cases.forEach((c, ci) => {
  const resource = JSON.parse(fs.readFileSync(c.file, 'utf8').replace(/^\uFEFF/, ''));
  for (const ei of c.exprs) {
    const cf = compiled[ei];
    if (cf.err) {
      out.push(JSON.stringify({ c: ci, e: ei, err: 'compile: ' + cf.err }));
      continue;
    }
    try {
      // compile() results take the resource; a fresh copy is not needed as
      // evaluation does not modify it.
      const r = cf.fn(resource);
      out.push(JSON.stringify({ c: ci, e: ei, r: r }));
    } catch (e) {
      out.push(JSON.stringify({ c: ci, e: ei, err: String(e && e.message || e) }));
    }
  }
  if (out.length > 5000) {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  }
});
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
