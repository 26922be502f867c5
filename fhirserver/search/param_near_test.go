package search

import (
	"math"
	"net/url"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

func TestHaversine(t *testing.T) {
	// Paris to London is about 344 km.
	if d := haversineKm(48.8566, 2.3522, 51.5074, -0.1278); math.Abs(d-343.5) > 2 {
		t.Errorf("Paris-London = %.1f km", d)
	}
	if d := haversineKm(10, 10, 10, 10); d != 0 {
		t.Errorf("zero distance = %f", d)
	}
}

func TestNearR4AndSTU3(t *testing.T) {
	for _, v := range []*defs.Version{defs.R4, defs.STU3} {
		t.Run(v.Name, func(t *testing.T) {
			f := smallStore(t, v,
				`{"resourceType":"Location","id":"here","position":{"latitude":42.25475478,"longitude":-83.6945691}}`,
				`{"resourceType":"Location","id":"near","position":{"latitude":42.2600,"longitude":-83.6945691}}`,
				`{"resourceType":"Location","id":"far","position":{"latitude":48.8566,"longitude":2.3522}}`,
				`{"resourceType":"Location","id":"nowhere"}`,
			)
			q := func(lat, long, dist, unit string) string {
				if v == defs.STU3 {
					s := "near=" + url.QueryEscape(lat+":"+long)
					if dist != "" {
						s += "&near-distance=" + url.QueryEscape(dist+"|http://unitsofmeasure.org|"+unit)
					}
					return s
				}
				s := lat + "|" + long
				if dist != "" {
					s += "|" + dist + "|" + unit
				}
				return "near=" + url.QueryEscape(s)
			}
			expect(t, f, "Location", q("42.25475478", "-83.6945691", "0.1", "km"), "Location/here")
			expect(t, f, "Location", q("42.25475478", "-83.6945691", "1", "km"), "Location/here", "Location/near")
			expect(t, f, "Location", q("42.25475478", "-83.6945691", "500", "m"), "Location/here")
			expect(t, f, "Location", q("42.25475478", "-83.6945691", "7000", "km"), "Location/here", "Location/near", "Location/far")
			expect(t, f, "Location", q("42.25475478", "-83.6945691", "", ""), "Location/here", "Location/near") // 10 km default
			_, res := run(t, f, "Location", q("42.25475478", "-83.6945691", "1", "km"))
			if res.Self.Get("near") == "" || len(res.Warnings) != 0 {
				t.Errorf("self %v warnings %v", res.Self, res.Warnings)
			}
		})
	}
	for _, bad := range []string{"91|0", "a|b", "1", "1|2|x", "1|2|3|furlong"} {
		if _, err := nearPlan("near", bad); err == nil {
			t.Errorf("near=%s accepted", bad)
		}
	}
}
