package search

import (
	"math"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// near (Location.position) is the one "special" parameter the engine
// supports. R4 writes near=latitude|longitude|distance|units; STU3 writes
// near=latitude:longitude with the distance in near-distance. Positions are
// indexed as 'g' dec(latitude) str(latitude) str(longitude): a query scans
// the band of latitudes its distance allows and keeps the positions within
// that great-circle distance.

const (
	earthRadiusKm     = 6371.0088
	kmPerDegreeLat    = math.Pi * earthRadiusKm / 180
	defaultNearKm     = 10.0 // the spec leaves "near" without a distance to the server
	nearParam         = "near"
	nearDistanceParam = "near-distance"
)

func isNear(p *param) bool {
	return p.code == nearParam && p.def != nil && strings.HasSuffix(p.def.Expression, "Location.position")
}

func nearValues(items []item) []indexValue {
	var out []indexValue
	for _, it := range items {
		if it.v == nil || it.v.Kind != fhirjson.Object {
			continue
		}
		lat, long := it.v.Get("latitude"), it.v.Get("longitude")
		if lat == nil || long == nil || lat.Kind != fhirjson.Number || long.Kind != fhirjson.Number {
			continue
		}
		d, err := parseDecimal(lat.Text)
		if err != nil {
			continue
		}
		k := appendDecimal([]byte{'g'}, d)
		k = appendStr(appendStr(k, lat.Text), long.Text)
		out = append(out, indexValue{keys: [][]byte{k}})
	}
	return out
}

// nearPlan compiles lat|long[|distance[|units]] (STU3's lat:long arrives
// here already joined with its near-distance as lat|long|distance|units).
func nearPlan(name, value string) (valuePlan, error) {
	parts := strings.Split(value, "|")
	if len(parts) < 2 || len(parts) > 4 {
		return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s must be latitude|longitude|distance|units, got %q", name, value)
	}
	lat, err1 := strconv.ParseFloat(parts[0], 64)
	long, err2 := strconv.ParseFloat(parts[1], 64)
	if err1 != nil || err2 != nil || math.Abs(lat) > 90 || math.Abs(long) > 180 {
		return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s: invalid coordinates in %q", name, value)
	}
	km := defaultNearKm
	if len(parts) >= 3 && parts[2] != "" {
		d, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || d < 0 || math.IsInf(d, 0) {
			return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s: invalid distance %q", name, parts[2])
		}
		unit := "km"
		if len(parts) == 4 && parts[3] != "" {
			unit = parts[3]
		}
		f, ok := map[string]float64{"km": 1, "m": 0.001, "mi": 1.609344, "[mi_i]": 1.609344, "[mi_us]": 1.609347}[unit]
		if !ok {
			return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s: unknown distance unit %q (km, m, [mi_i])", name, unit)
		}
		km = d * f
	}
	band := km / kmPerDegreeLat
	lo, _ := parseDecimal(strconv.FormatFloat(math.Max(lat-band, -90), 'f', -1, 64))
	hi, _ := parseDecimal(strconv.FormatFloat(math.Min(lat+band, 90), 'f', -1, 64))
	filter := func(v []byte) bool {
		_, rest, err := readDecimalKey(v[1:])
		if err != nil {
			return false
		}
		latText, rest, err := readStr(rest)
		if err != nil {
			return false
		}
		longText, _, err := readStr(rest)
		if err != nil {
			return false
		}
		la, err1 := strconv.ParseFloat(latText, 64)
		lo, err2 := strconv.ParseFloat(longText, 64)
		return err1 == nil && err2 == nil && haversineKm(lat, long, la, lo) <= km
	}
	return valuePlan{ranges: []scanRange{{lo: appendDecimal([]byte{'g'}, lo), hi: append(appendDecimal([]byte{'g'}, hi), 0xff), filter: filter}}}, nil
}

func haversineKm(lat1, long1, lat2, long2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLong := (lat2-lat1)*rad, (long2-long1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLong/2)*math.Sin(dLong/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// stu3Near turns STU3's near=lat:long plus near-distance=value|system|code
// into the R4 form nearPlan reads.
func stu3Near(value, distance string) string {
	value = strings.Replace(value, ":", "|", 1)
	if distance == "" {
		return value
	}
	parts := strings.Split(distance, "|")
	unit := ""
	if len(parts) == 3 {
		unit = parts[2]
	}
	return value + "|" + parts[0] + "|" + unit
}
