// Package storage is the durable Pebble store of the FHIR server: resource
// versions with tombstones, instance/type/system history, the search index
// entries the search engine supplies, and the change feed, all written in one
// atomic, fsynced batch per commit through a single serial write order with
// group commit; beside them, a small application-metadata area other parts
// of the server keep records in, on their own or in the same batch as the
// versions they describe (appmeta.go, appmeta_tx.go). The key layout is written
// down in docs/storage.md and only keys.go builds keys.
package storage
