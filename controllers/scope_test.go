/*
Copyright 2026 The fhirfleet Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controllers

import (
	"errors"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestStagesOrder(t *testing.T) {
	var names []string
	for _, st := range stages() {
		names = append(names, st.name)
	}
	want := []string{"policy", "subdomain", "secret", "pvc", "statefulset", "service", "ingress", "networkpolicy"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("stages = %v, want %v", names, want)
	}
	// The dependencies docs/operator.md names, and no others: a stage that
	// needed more would again let one child's failure block the rest.
	var needs []string
	for _, st := range stages() {
		if len(st.needs) > 0 {
			needs = append(needs, st.name+"<-"+fmt.Sprint(st.needs))
		}
	}
	wantNeeds := []string{"secret<-[subdomain]", "pvc<-[subdomain]", "statefulset<-[subdomain]", "service<-[subdomain]", "ingress<-[subdomain]", "networkpolicy<-[subdomain]"}
	if fmt.Sprint(needs) != fmt.Sprint(wantNeeds) {
		t.Errorf("needs = %v, want %v", needs, wantNeeds)
	}
}

func TestScopeHelpers(t *testing.T) {
	s := &scope{
		endpoint: &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "ep", UID: types.UID("u1")}},
		cfg:      Config{URLScheme: "http"},
		host:     "acme-labs.example.com",
	}
	if got := s.baseURL(); got != "http://acme-labs.example.com" {
		t.Errorf("baseURL() = %q", got)
	}
	// A gateway on another port (make dev's :8080) is part of every public URL.
	withPort := &scope{cfg: Config{URLScheme: "http", URLPort: 8080}, host: "acme-labs.localhost"}
	if got := withPort.baseURL(); got != "http://acme-labs.localhost:8080" {
		t.Errorf("baseURL() with URLPort = %q", got)
	}
	ref := s.ownerRef()
	if *ref.Name != "ep" || *ref.UID != "u1" || !*ref.Controller || *ref.Kind != "FhirEndpoint" || *ref.APIVersion != "fhir.fhirfleet.io/v1alpha1" {
		t.Errorf("ownerRef() = %+v", ref)
	}
	err := s.block("X", "why")
	if !errors.Is(err, errBlocked) || s.blockedReason != "X" || s.blockedMessage != "why" {
		t.Errorf("block() = %v, reason %q message %q", err, s.blockedReason, s.blockedMessage)
	}
	// Ready names the first stage that blocked, not the last.
	if err := s.block("Y", "later"); !errors.Is(err, errBlocked) || s.blockedReason != "X" {
		t.Errorf("a second block() = %v, reason %q; want errBlocked, reason X", err, s.blockedReason)
	}
}
