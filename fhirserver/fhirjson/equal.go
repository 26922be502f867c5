package fhirjson

// Equal reports whether v and w are the same JSON value in FHIR's exact
// sense: numbers compare by their literal text (1.50 is not 1.5), members
// by name and value in document order, nil equals only nil.
func (v *Value) Equal(w *Value) bool {
	if v == nil || w == nil {
		return v == w
	}
	if v.Kind != w.Kind {
		return false
	}
	switch v.Kind {
	case Null:
		return true
	case Bool:
		return v.Bool == w.Bool
	case Number, String:
		return v.Text == w.Text
	case Array:
		if len(v.Items) != len(w.Items) {
			return false
		}
		for i := range v.Items {
			if !v.Items[i].Equal(w.Items[i]) {
				return false
			}
		}
		return true
	case Object:
		if len(v.Members) != len(w.Members) {
			return false
		}
		for i := range v.Members {
			if v.Members[i].Name != w.Members[i].Name || !v.Members[i].Value.Equal(w.Members[i].Value) {
				return false
			}
		}
		return true
	}
	return false
}
