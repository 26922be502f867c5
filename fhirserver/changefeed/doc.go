// Package changefeed is the Go client of a FHIR server's change feed
// (GET [base]/$changes, docs/change-feed.md): it obtains and renews a
// client-credentials token, long-polls the feed from a cursor and returns
// each page as parsed changes plus the cursor to ask with next. Its errors
// tell a follower what to do: re-authenticate, start over (the cursor was
// rejected), or retry later. The aggregator and the tests that follow the
// feed use it, so the feed has one parser.
package changefeed
