package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func compartment(t *testing.T, raw string) compartmentDefinition {
	t.Helper()
	var cd compartmentDefinition
	if err := json.Unmarshal([]byte(raw), &cd); err != nil {
		t.Fatal(err)
	}
	return cd
}

func TestConvertCompartments(t *testing.T) {
	cds := []compartmentDefinition{
		compartment(t, `{"id":"relatedPerson","code":"RelatedPerson","resource":[{"code":"Account"},{"code":"Observation","param":["performer"]}]}`),
		compartment(t, `{"id":"example","code":"Device","resource":[{"code":"Communication","param":["sender"]}]}`),
		compartment(t, `{"id":"device","code":"Device","resource":[{"code":"Observation","param":["subject","device"]}]}`),
	}
	out, err := convertCompartments(cds)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Code != "Device" || out[1].Code != "RelatedPerson" {
		t.Fatalf("got %+v", out)
	}
	if want := map[string][]string{"Observation": {"subject", "device"}}; !reflect.DeepEqual(out[0].Resources, want) {
		t.Errorf("Device resources %v (the example must be skipped)", out[0].Resources)
	}
	if _, ok := out[1].Resources["Account"]; ok {
		t.Error("a resource without params was kept")
	}
	_, err = convertCompartments(append(cds, cds[0]))
	if err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Errorf("duplicate: err = %v", err)
	}
}
