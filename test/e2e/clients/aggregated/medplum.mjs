// A customer's app on @medplum/core reading the aggregated endpoint:
// client-credentials login against the aggregator's own token URL, then
// searches (one a chain on the NHS number) and reads.
// Usage: node --experimental-websocket medplum.mjs <origin> <client_id> <client_secret> <nhs-number> <visible Patient id> <hidden Patient id>
// Prints one JSON line with what it observed; exits non-zero on a failure
// the test did not ask for.
import { MedplumClient } from '@medplum/core';

const [origin, clientId, clientSecret, nhs, visible, hidden] = process.argv.slice(2);
const medplum = new MedplumClient({ baseUrl: origin + '/', fhirUrlPath: 'fhir', tokenUrl: origin + '/oauth2/token' });
try {
  await medplum.startClientLogin(clientId, clientSecret);
  const patients = await medplum.searchResources('Patient', { _count: '500' });
  const chained = await medplum.searchResources('Condition', {
    'subject:Patient.identifier': 'https://fhir.nhs.uk/Id/nhs-number|' + nhs, _count: '500',
  });
  const counted = await medplum.search('Condition', { _total: 'accurate', _count: '500' });
  const read = await medplum.readResource('Patient', visible);
  let hiddenRead = 'read';
  try {
    await medplum.readResource('Patient', hidden);
  } catch (e) {
    hiddenRead = e?.outcome?.issue?.[0]?.code ?? String(e);
  }
  let write = 'written';
  try {
    await medplum.createResource({ resourceType: 'Patient', name: [{ family: 'Nope' }] });
  } catch (e) {
    write = e?.outcome?.issue?.[0]?.code ?? String(e);
  }
  console.log(JSON.stringify({
    patients: patients.map((p) => 'Patient/' + p.id),
    chained: chained.map((c) => 'Condition/' + c.id),
    conditionTotal: counted.total,
    conditions: (counted.entry ?? []).map((e) => 'Condition/' + e.resource.id),
    read: 'Patient/' + read.id,
    hiddenRead,
    write,
  }));
} catch (e) {
  console.error('medplum client failed:', e?.message ?? e, e?.outcome ? JSON.stringify(e.outcome) : '');
  process.exit(1);
}
