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
	"testing"
)

func TestBlockStateKeepsTheFirstReason(t *testing.T) {
	var b blockState
	if reason, _ := b.blocked(); reason != "" {
		t.Fatalf("a fresh scope is blocked: %q", reason)
	}
	if err := b.block("First", "why"); !errors.Is(err, errBlocked) {
		t.Errorf("block() = %v, want errBlocked", err)
	}
	_ = b.block("Second", "later")
	if reason, msg := b.blocked(); reason != "First" || msg != "why" {
		t.Errorf("blocked() = %q, %q; want the first reason", reason, msg)
	}
}

// Both scopes are reporters: the shared stage runner, conditions and claim
// code take either.
var (
	_ reporter = (*scope)(nil)
	_ reporter = (*aggregatorScope)(nil)
)
