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
	"testing"
)

func TestAggregatorSecretKeys(t *testing.T) {
	// The file names in the aggregator's --clients-dir and --credentials-dir.
	for got, want := range map[string]string{
		keyClientID: "client_id", keyClientSecret: "client_secret", keyPrivacyLabels: "privacy_labels", keyTokenSigningKey: "token_signing_key",
	} {
		if got != want {
			t.Errorf("key %q, want %q", got, want)
		}
	}
	id, secret, err := generateClient()
	if err != nil || len(id) != 32 || len(secret) != 43 {
		t.Errorf("generateClient = %q, %q, %v", id, secret, err)
	}
	again, _, _ := generateClient()
	if string(again) == string(id) {
		t.Errorf("two clients share an id")
	}
}
