// Package aggregator holds the parts of the aggregator binary: the feed
// puller, the STU3→R4 mapping, the business rules and access.
package aggregator
