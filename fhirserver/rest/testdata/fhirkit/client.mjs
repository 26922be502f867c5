// A third-party FHIR client (fhir-kit-client) driving every interaction of
// the REST API. Usage: node client.mjs <base-url>. Prints one JSON object per
// check: {"name", "ok", "detail"}; the Go test fails on any ok=false.
import { Client } from 'fhir-kit-client';

const baseUrl = process.argv[2];
const c = new Client({ baseUrl });
const report = (name, ok, detail) =>
  console.log(JSON.stringify({ name, ok: !!ok, detail: ok ? undefined : JSON.stringify(detail).slice(0, 400) }));
const status = async (fn) => {
  try { await fn(); return 200; } catch (e) { return e?.response?.status ?? String(e); }
};
const step = async (name, fn) => {
  try { await fn(); } catch (e) { report(name, false, { error: String(e), status: e?.response?.status, data: e?.response?.data }); }
};

let p;
await step('capabilities', async () => {
  const cs = await c.capabilityStatement();
  report('capabilities', cs.resourceType === 'CapabilityStatement' && cs.rest[0].resource.length > 100, cs.fhirVersion);
});
await step('create', async () => {
  p = await c.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Kit' }], identifier: [{ system: 'urn:kit', value: '1' }] } });
  report('create', p.id && p.meta.versionId === '1', p);
});
await step('conditional create', async () => {
  const again = await c.create({ resourceType: 'Patient', body: { resourceType: 'Patient' }, options: { headers: { 'If-None-Exist': 'identifier=urn:kit|1' } } });
  report('conditional create', again.id === p.id, again);
});
await step('read', async () => {
  const r = await c.read({ resourceType: 'Patient', id: p.id });
  report('read', r.id === p.id && r.name[0].family === 'Kit', r);
});
await step('update', async () => {
  const u = await c.update({ resourceType: 'Patient', id: p.id, body: { resourceType: 'Patient', id: p.id, name: [{ family: 'Kit' }], identifier: p.identifier, active: true } });
  report('update', u.meta.versionId === '2' && u.active === true, u);
});
await step('vread', async () => {
  const v = await c.vread({ resourceType: 'Patient', id: p.id, version: '1' });
  report('vread', v.meta.versionId === '1' && v.active === undefined, v);
});
await step('patch', async () => {
  const pt = await c.patch({ resourceType: 'Patient', id: p.id, jsonPatch: [{ op: 'replace', path: '/active', value: false }] });
  report('patch', pt.active === false && pt.meta.versionId === '3', pt);
});
await step('search', async () => {
  const s = await c.search({ resourceType: 'Patient', searchParams: { family: 'kit' } });
  report('search', s.type === 'searchset' && s.entry?.length === 1 && s.entry[0].resource.id === p.id, s);
});
await step('transaction', async () => {
  const t = await c.transaction({ body: { resourceType: 'Bundle', type: 'transaction', entry: [
    { fullUrl: 'urn:uuid:0f8c4d2e-1111-4c5e-9b1a-000000000001', resource: { resourceType: 'Patient', name: [{ family: 'Tx' }] }, request: { method: 'POST', url: 'Patient' } },
    { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:0f8c4d2e-1111-4c5e-9b1a-000000000001' } }, request: { method: 'POST', url: 'Observation' } },
  ] } });
  const obs = t.entry[1].resource;
  report('transaction', t.type === 'transaction-response' && obs.subject.reference === 'Patient/' + t.entry[0].resource.id, t);
  const comp = await c.compartmentSearch({ resourceType: 'Observation', compartment: { resourceType: 'Patient', id: t.entry[0].resource.id } });
  report('compartment search', comp.entry?.length === 1, comp);
});
await step('batch', async () => {
  const b = await c.batch({ body: { resourceType: 'Bundle', type: 'batch', entry: [
    { request: { method: 'GET', url: 'Patient/' + p.id } },
    { request: { method: 'GET', url: 'Patient/does-not-exist' } },
  ] } });
  report('batch', b.type === 'batch-response' && b.entry[0].response.status.startsWith('200') && b.entry[1].response.status.startsWith('404'), b);
});
await step('history paging', async () => {
  let page = await c.request(`Patient/${p.id}/_history?_count=1`);
  const versions = [];
  while (page) {
    for (const e of page.entry ?? []) versions.push(e.resource.meta.versionId);
    page = await c.nextPage({ bundle: page });
  }
  report('history paging', versions.join(',') === '3,2,1', versions);
  const sys = await c.systemHistory();
  report('system history', sys.type === 'history' && sys.entry.length >= 5, sys);
});
await step('delete', async () => {
  await c.delete({ resourceType: 'Patient', id: p.id });
  report('delete then read is 410', (await status(() => c.read({ resourceType: 'Patient', id: p.id }))) === 410, 'status');
  report('read unknown is 404', (await status(() => c.read({ resourceType: 'Patient', id: 'nope' }))) === 404, 'status');
});
await step('change feed', async () => {
  const feed = await c.request('$changes?_count=100');
  const methods = feed.entry.map((e) => e.request.method);
  report('change feed', feed.type === 'history' && methods[0] === 'POST' && methods[methods.length - 1] === 'DELETE' && feed.link.some((l) => l.relation === 'next'), methods);
});
