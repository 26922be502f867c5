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
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// applyChild server-side applies desired under FieldManager, unless it would
// change nothing. live names the child (name and namespace set) and is filled
// from the cache; extract returns the fields FieldManager owns on it. If they
// already equal desired the apply is skipped: an apply that changes nothing
// is not persisted, but it is still a request to the API server per child per
// reconcile, and the steady state should cost no writes at all. A child
// somebody edited or deleted differs, and applying again repairs it: fields
// we own are forced back, fields others own are left alone.
//
// It reports whether live was found (so callers may read its status).
func applyChild[T client.Object, A runtime.ApplyConfiguration](ctx context.Context, c client.Client, live T, desired A, extract func(T, string) (A, error)) (found bool, err error) {
	key := client.ObjectKeyFromObject(live)
	err = c.Get(ctx, key, live)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return false, fmt.Errorf("get %T %s: %w", live, key, err)
	default:
		found = true
		current, err := extract(live, FieldManager)
		if err != nil {
			return found, fmt.Errorf("extract the fields we own of %T %s: %w", live, key, err)
		}
		if equality.Semantic.DeepEqual(current, desired) {
			return found, nil
		}
	}
	if err := c.Apply(ctx, desired, client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
		return found, fmt.Errorf("apply %T %s: %w", live, key, err)
	}
	return found, nil
}
