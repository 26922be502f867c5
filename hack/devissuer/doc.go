// Command devissuer is make dev's OpenID Connect provider for patients: a
// signing key kept in the dev state folder and the ID tokens it signs, so
// that the aggregated endpoint's token exchange (RFC 8693) can be tried and
// tested offline, where no real provider (NHS login) can be reached.
//
//	devissuer keys  [--dir .dev/issuer]
//	devissuer token --nhs-number 9000000009 [--dir .dev/issuer] [--proofing-level P9] [--ttl 1h]
//
// "keys" creates, once, an ECDSA P-256 key (key.pem, 0600) and its public
// JWK Set (jwks.json) in --dir and prints the JWK Set's path; run again it
// keeps them, so tokens minted earlier still verify. hack/dev.sh runs it and
// puts jwks.json in the Secret the dev FhirAggregator's
// patientAccess.jwksSecret names (config/dev/). "token" prints an ID token
// for that NHS number, as the aggregated endpoint wants one: iss
// http://issuer.localhost, aud fhirfleet-aggregated (config/dev/'s
// patientAccess), sub, iat, exp, nhs_number and identity_proofing_level.
//
// --dir defaults to $DEV_STATE_DIR/issuer, else .dev/issuer. The issuer
// serves nothing: its keys reach the aggregator through the Secret. It is a
// development tool: anyone holding key.pem speaks for every patient of an
// aggregator that trusts it.
package main
