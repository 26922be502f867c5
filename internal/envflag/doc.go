// Package envflag lets every flag of a binary also come from the
// environment (PREFIX_<FLAG>, upper case, dashes as underscores), the way
// containers are configured, with the command line winning. The fhirserver
// and the aggregator share it so their flags behave alike.
package envflag
