package rest

import (
	"net/http"
	"slices"
	"strings"
)

// routeDef is one row of the route table: what a method on a kind of path
// does. The table is the one place that says so: dispatch, the Allow header
// of a 405, the CapabilityStatement's interactions and the read-only mode
// are all read from it, so none can disagree with what the server does.
type routeDef struct {
	kind   routeKind
	method string // GET rows answer HEAD too
	// interaction names the request in metrics and logs, and is the code the
	// CapabilityStatement lists when it is one of the spec's (a handler may
	// refine it: a batch that turns out to be a transaction).
	interaction string
	// codes are the CapabilityStatement codes the row provides when they
	// are not just its interaction.
	codes []string
	// write rows change the store; a read-only handler refuses them (405).
	write bool
	// feed rows are the customer server's own operations for its
	// aggregator ($changes, $aggregation-outcome); a handler serving an
	// aggregated store has neither (404).
	feed   bool
	handle func(h *Handler, c *call, rt route) error
}

// routes is the route table. The paths of each kind are in route.go.
var routes = []routeDef{
	{kind: routeBase, method: http.MethodGet, interaction: "search-system", handle: (*Handler).searchSystemRoute},
	{kind: routeBase, method: http.MethodPost, interaction: "batch", codes: []string{"batch", "transaction"}, write: true, handle: (*Handler).bundleRoute},
	{kind: routeMetadata, method: http.MethodGet, interaction: "capabilities", handle: (*Handler).capabilitiesRoute},
	{kind: routeSystemSrch, method: http.MethodGet, interaction: "search-system", handle: (*Handler).searchSystemRoute},
	{kind: routeSystemSrch, method: http.MethodPost, interaction: "search-system", handle: (*Handler).searchSystemRoute},
	{kind: routeSystemHist, method: http.MethodGet, interaction: "history-system", handle: (*Handler).history},
	{kind: routeChanges, method: http.MethodGet, interaction: "changes", feed: true, handle: (*Handler).changesRoute},
	{kind: routeType, method: http.MethodGet, interaction: "search-type", handle: (*Handler).searchType},
	{kind: routeType, method: http.MethodPost, interaction: "create", write: true, handle: (*Handler).create},
	{kind: routeType, method: http.MethodPut, interaction: "update", write: true, handle: (*Handler).conditionalUpdate},
	{kind: routeType, method: http.MethodPatch, interaction: "patch", write: true, handle: (*Handler).conditionalPatch},
	{kind: routeType, method: http.MethodDelete, interaction: "delete", write: true, handle: (*Handler).conditionalDelete},
	{kind: routeTypeSearch, method: http.MethodGet, interaction: "search-type", handle: (*Handler).searchType},
	{kind: routeTypeSearch, method: http.MethodPost, interaction: "search-type", handle: (*Handler).searchType},
	{kind: routeTypeHist, method: http.MethodGet, interaction: "history-type", handle: (*Handler).history},
	{kind: routeInstance, method: http.MethodGet, interaction: "read", handle: (*Handler).read},
	{kind: routeInstance, method: http.MethodPut, interaction: "update", write: true, handle: (*Handler).update},
	{kind: routeInstance, method: http.MethodPatch, interaction: "patch", write: true, handle: (*Handler).patch},
	{kind: routeInstance, method: http.MethodDelete, interaction: "delete", write: true, handle: (*Handler).delete},
	{kind: routeInstHist, method: http.MethodGet, interaction: "history-instance", handle: (*Handler).history},
	{kind: routeVersion, method: http.MethodGet, interaction: "vread", handle: (*Handler).vread},
	{kind: routeCompartment, method: http.MethodGet, interaction: "search-compartment", handle: (*Handler).searchCompartment},
	{kind: routeCompartment, method: http.MethodPost, interaction: "search-compartment", handle: (*Handler).searchCompartment},
	// The aggregator's outcomes (aggregation_outcome.go): a write of
	// application metadata, not of resources, still refused when read-only.
	{kind: routeAggOutcomes, method: http.MethodGet, interaction: "aggregation-outcome-list", feed: true, handle: (*Handler).listAggOutcomes},
	{kind: routeAggOutcomes, method: http.MethodPost, interaction: "aggregation-outcome-report", write: true, feed: true, handle: (*Handler).reportAggOutcomes},
	{kind: routeInstAggOutcome, method: http.MethodGet, interaction: "aggregation-outcome", feed: true, handle: (*Handler).readAggOutcome},
	{kind: routeEverything, method: http.MethodGet, interaction: "everything", handle: (*Handler).everything},
	// The embedder's type-level operations (type_operation.go): they
	// decide themselves what they change, so a read-only handler has them.
	{kind: routeTypeOp, method: http.MethodPost, interaction: "operation", handle: (*Handler).typeOperation},
}

// The route table's handlers that need no route.
func (h *Handler) searchSystemRoute(c *call, _ route) error { return h.searchSystem(c) }
func (h *Handler) bundleRoute(c *call, _ route) error       { return h.bundle(c) }
func (h *Handler) capabilitiesRoute(c *call, _ route) error { return h.capabilities(c) }
func (h *Handler) changesRoute(c *call, _ route) error      { return h.changes(c) }

// routeTable is the route table as one handler serves it: without the
// write rows when it is read-only, without the feed rows when it has no
// feed operations.
type routeTable struct {
	rows map[routeKey]*routeDef
	// allow is the Allow header of each kind: its methods, HEAD with GET.
	allow map[routeKind]string
}

type routeKey struct {
	kind   routeKind
	method string
}

// methodOrder is the order Allow lists methods in.
var methodOrder = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func newRouteTable(readOnly, noFeed bool) routeTable {
	t := routeTable{rows: map[routeKey]*routeDef{}, allow: map[routeKind]string{}}
	methods := map[routeKind]map[string]bool{}
	for i := range routes {
		r := &routes[i]
		if r.write && readOnly || r.feed && noFeed {
			continue
		}
		t.rows[routeKey{r.kind, r.method}] = r
		if methods[r.kind] == nil {
			methods[r.kind] = map[string]bool{}
		}
		methods[r.kind][r.method] = true
		if r.method == http.MethodGet {
			t.rows[routeKey{r.kind, http.MethodHead}] = r
			methods[r.kind][http.MethodHead] = true
		}
	}
	for kind, ms := range methods {
		var list []string
		for _, m := range methodOrder {
			if ms[m] {
				list = append(list, m)
			}
		}
		t.allow[kind] = strings.Join(list, ", ")
	}
	return t
}

// lookup is the row for a method on a kind of path, or nil.
func (t routeTable) lookup(kind routeKind, method string) *routeDef {
	return t.rows[routeKey{kind, method}]
}

// serves reports whether some row of the table provides the
// CapabilityStatement interaction code.
func (t routeTable) serves(code string) bool {
	for _, r := range t.rows {
		if r.interaction == code || slices.Contains(r.codes, code) {
			return true
		}
	}
	return false
}
