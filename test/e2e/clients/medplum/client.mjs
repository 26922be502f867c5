// Drives a running fhirserver with Medplum's real client: client-credentials
// login against the endpoint's own token URL, then create, read and search.
// Usage: node --experimental-websocket client.mjs <origin> <client_id> <client_secret>
// Prints one JSON line with what it observed; exits non-zero on any failure.
import { MedplumClient } from '@medplum/core';

const [origin, clientId, clientSecret] = process.argv.slice(2);
const medplum = new MedplumClient({
  baseUrl: origin + '/',
  fhirUrlPath: 'fhir',
  tokenUrl: origin + '/oauth2/token',
});
try {
  await medplum.startClientLogin(clientId, clientSecret);
  const family = 'Medplum' + Date.now();
  const created = await medplum.createResource({ resourceType: 'Patient', name: [{ family }], birthDate: '1980-02-29' });
  const read = await medplum.readResource('Patient', created.id);
  const found = await medplum.searchResources('Patient', { family });
  const obs = await medplum.createResource({
    resourceType: 'Observation', status: 'final', code: { text: 'weight' },
    subject: { reference: 'Patient/' + created.id }, valueQuantity: { value: 72.50, unit: 'kg' },
  });
  const bySubject = await medplum.searchResources('Observation', { subject: 'Patient/' + created.id });
  console.log(JSON.stringify({
    token: medplum.getAccessToken() ? 'yes' : 'no',
    id: created.id,
    versionId: created.meta?.versionId,
    readFamily: read.name?.[0]?.family,
    family,
    found: found.map((p) => p.id),
    observation: obs.id,
    bySubject: bySubject.map((o) => o.id),
  }));
} catch (e) {
  console.error('medplum client failed:', e?.message ?? e, e?.outcome ? JSON.stringify(e.outcome) : '');
  process.exit(1);
}
