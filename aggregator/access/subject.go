package access

import "context"

// Subject is who reads: a customer (Customer set) or a patient (Patient
// set), never both.
type Subject struct {
	// Customer is the customer's name, which is also the code of its
	// source-organization label in the aggregated store.
	Customer string
	// Labels are the privacy-label codes the customer is granted.
	Labels []string
	// Patient is the id of the merged Patient whose compartment a patient
	// reads.
	Patient string
}

type subjectKey struct{}

// WithSubject returns ctx carrying s.
func WithSubject(ctx context.Context, s Subject) context.Context {
	return context.WithValue(ctx, subjectKey{}, s)
}

// SubjectFrom returns the Subject ctx carries.
func SubjectFrom(ctx context.Context) (Subject, bool) {
	s, ok := ctx.Value(subjectKey{}).(Subject)
	return s, ok && (s.Customer != "") != (s.Patient != "")
}
