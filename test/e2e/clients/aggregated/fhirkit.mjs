// A patient's app on fhir-kit-client reading the aggregated endpoint with
// the access token it got by token exchange: its own Patient, a chained
// search on its NHS number, $everything, and a read of another patient.
// Usage: node fhirkit.mjs <fhir base> <access token> <nhs-number> <own Patient id> <other Patient id>
// Prints one JSON line with what it observed; exits non-zero on a failure
// the test did not ask for.
import { Client } from 'fhir-kit-client';

const [baseUrl, bearerToken, nhs, own, other] = process.argv.slice(2);
const c = new Client({ baseUrl, bearerToken });
const ids = (b) => (b.entry ?? []).map((e) => e.resource.resourceType + '/' + e.resource.id);
try {
  const me = await c.read({ resourceType: 'Patient', id: own });
  const chained = await c.search({
    resourceType: 'Condition',
    searchParams: { 'subject:Patient.identifier': 'https://fhir.nhs.uk/Id/nhs-number|' + nhs, _total: 'accurate', _count: 500 },
  });
  const everything = await c.operation({ resourceType: 'Patient', id: own, name: '$everything', method: 'GET', input: { _count: 500 } });
  let otherRead = 200;
  try {
    await c.read({ resourceType: 'Patient', id: other });
  } catch (e) {
    otherRead = e?.response?.status ?? String(e);
  }
  let deleted = 200;
  try {
    await c.delete({ resourceType: 'Patient', id: own });
  } catch (e) {
    deleted = e?.response?.status ?? String(e);
  }
  console.log(JSON.stringify({
    me: 'Patient/' + me.id,
    chained: ids(chained),
    chainedTotal: chained.total,
    everything: ids(everything),
    otherRead,
    deleted,
  }));
} catch (e) {
  console.error('fhir-kit-client failed:', String(e), e?.response?.status, JSON.stringify(e?.response?.data ?? ''));
  process.exit(1);
}
