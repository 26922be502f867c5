// Package auth makes every FHIR endpoint its own OAuth 2.0 authorization
// server and resource server: it loads (and re-reads on change) the endpoint's
// client credentials and signing key, issues RFC 9068 JWT access tokens at
// POST /oauth2/token for system-level SMART scopes, and verifies them on every
// FHIR request, so that no token of one endpoint is accepted by another.
package auth
