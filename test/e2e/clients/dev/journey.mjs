// The customer's journey against a make dev fleet, with real third-party
// clients: @medplum/core logs in with client credentials through the gateway
// and writes (a transaction with urn:uuid references, a conditional create,
// an update, a delete); fhir-kit-client searches it back.
// Usage: node journey.mjs <medplum-install> <fhirkit-install> <origin> <client_id> <client_secret>
// (the installs are testenv.NPMInstall folders). Prints one JSON object;
// exits non-zero on any failure.
//
// *.localhost is loopback (RFC 6761), but Node asks the system resolver,
// which does not know that here: resolve it ourselves, as a user's /etc/hosts line would.
import dns from 'node:dns';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const systemLookup = dns.lookup;
dns.lookup = (host, opts, cb) => {
  if (typeof opts === 'function') { cb = opts; opts = {}; }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return opts?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
  }
  return systemLookup(host, opts, cb);
};

// importFrom loads a package's ES module entry from an install folder.
async function importFrom(install, name) {
  const dir = path.join(install, 'node_modules', name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  let entry = pkg.exports?.['.'] ?? pkg.exports;
  entry = entry?.import?.default ?? entry?.import ?? pkg.module ?? pkg.main;
  return import(pathToFileURL(path.join(dir, entry)).href);
}

const [medplumDir, fhirkitDir, origin, clientId, clientSecret] = process.argv.slice(2);
const { MedplumClient } = await importFrom(medplumDir, '@medplum/core');
const { Client: FhirKit } = await importFrom(fhirkitDir, 'fhir-kit-client');

const status = async (fn) => {
  try { await fn(); return 200; } catch (e) { return e?.response?.status ?? e?.status ?? String(e); }
};

try {
  const medplum = new MedplumClient({ baseUrl: origin + '/', fhirUrlPath: 'fhir', tokenUrl: origin + '/oauth2/token' });
  await medplum.startClientLogin(clientId, clientSecret);
  const mrn = 'mrn-' + Date.now();

  // A transaction whose Observation points at the Patient it creates.
  const tx = await medplum.executeBatch({
    resourceType: 'Bundle', type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:5c1f6f5e-0000-4000-8000-000000000001', request: { method: 'POST', url: 'Patient' },
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: mrn }], name: [{ family: 'Journey' }] } },
      { fullUrl: 'urn:uuid:5c1f6f5e-0000-4000-8000-000000000002', request: { method: 'POST', url: 'Observation' },
        resource: { resourceType: 'Observation', status: 'final', code: { text: 'weight' },
          subject: { reference: 'urn:uuid:5c1f6f5e-0000-4000-8000-000000000001' }, valueQuantity: { value: 72.5, unit: 'kg' } } },
    ],
  });
  const patientId = tx.entry[0].response.location.split('/')[1];
  const observationId = tx.entry[1].response.location.split('/')[1];

  // Conditional create: the second one finds the first.
  const condition = 'identifier=urn:mrn|' + mrn + '-c';
  const c1 = await medplum.createResourceIfNoneExist({ resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: mrn + '-c' }] }, condition);
  const c2 = await medplum.createResourceIfNoneExist({ resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: mrn + '-c' }] }, condition);

  // Update, then delete.
  const patient = await medplum.readResource('Patient', patientId);
  const updated = await medplum.updateResource({ ...patient, name: [{ family: 'Journeyed' }] });
  await medplum.deleteResource('Patient', c1.id);

  // fhir-kit-client reads it all back.
  const kit = new FhirKit({ baseUrl: origin + '/fhir', bearerToken: medplum.getAccessToken() });
  const byIdentifier = await kit.search({ resourceType: 'Patient', searchParams: { identifier: 'urn:mrn|' + mrn } });
  const bySubject = await kit.search({ resourceType: 'Observation', searchParams: { subject: 'Patient/' + patientId } });
  const deletedRead = await status(() => kit.read({ resourceType: 'Patient', id: c1.id }));

  console.log(JSON.stringify({
    patientId, observationId,
    observationSubject: (await kit.read({ resourceType: 'Observation', id: observationId })).subject?.reference,
    conditionalSame: c1.id === c2.id,
    updatedVersion: updated.meta?.versionId,
    foundByIdentifier: (byIdentifier.entry ?? []).map((e) => e.resource.name?.[0]?.family),
    foundBySubject: (bySubject.entry ?? []).map((e) => e.resource.id),
    deletedRead,
  }));
} catch (e) {
  console.error('journey failed:', e?.message ?? e, e?.outcome ? JSON.stringify(e.outcome) : '', e?.response?.data ? JSON.stringify(e.response.data) : '');
  process.exit(1);
}
