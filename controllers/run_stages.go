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
	"errors"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// runStages runs every stage on every reconcile, whatever an earlier one did:
// a claim the API server will not grow must not keep the same edit's suspend
// from reaching the StatefulSet, nor a deleted Service from coming back. The
// one exception is a stage's needs (see stages): a stage is skipped while a
// stage it needs has failed, and its condition says which and why.
//
// A failed stage's condition carries the API server's reason and message
// (a stage that blocked has already set its own). Errors other than
// errBlocked are returned joined, so the controller retries with backoff;
// a blocked stage waits for the watch on its cause instead.
// applied reports that every stage succeeded.
func runStages[S reporter](ctx context.Context, s S, all []stage[S]) (applied bool, err error) {
	failed := map[string]error{}
	var errs []error
	for _, st := range all {
		if dep := firstFailed(st.needs, failed); dep != "" {
			failed[st.name] = failed[dep]
			if st.condition != "" {
				setSkippedCondition(s, st.condition, dep, failed[dep])
			}
			continue
		}
		err := st.run(ctx, s)
		if err == nil {
			continue
		}
		failed[st.name] = err
		if errors.Is(err, errBlocked) {
			continue
		}
		errs = append(errs, fmt.Errorf("stage %s: %w", st.name, err))
		if st.condition != "" {
			setCondition(s, st.condition, metav1.ConditionFalse, apiReason(err), err.Error())
		}
	}
	return len(failed) == 0, errors.Join(errs...)
}

// firstFailed is the first of needs that failed, or "".
func firstFailed(needs []string, failed map[string]error) string {
	i := slices.IndexFunc(needs, func(n string) bool { return failed[n] != nil })
	if i < 0 {
		return ""
	}
	return needs[i]
}

// setSkippedCondition reports a child not applied because the stage it needs
// failed: with the blocking reason (SubdomainConflict...) when that stage
// waits for the user, NotProvisioned when it failed otherwise.
func setSkippedCondition(s reporter, condType, dep string, depErr error) {
	if reason, msg := s.blocked(); errors.Is(depErr, errBlocked) && reason != "" {
		setCondition(s, condType, metav1.ConditionFalse, reason, msg)
		return
	}
	setCondition(s, condType, metav1.ConditionFalse, fhirv1.ReasonNotProvisioned, fmt.Sprintf("not applied: stage %s failed: %v", dep, depErr))
}

// apiReason is the API server's reason for err (Forbidden, Invalid,
// Conflict...), which a condition reason can carry as is; ApplyFailed when
// the error did not come from the API server or names no reason.
func apiReason(err error) string {
	if r := apierrors.ReasonForError(err); r != metav1.StatusReasonUnknown {
		return string(r)
	}
	return fhirv1.ReasonApplyFailed
}

// apiMessage is the API server's own message for err (without our wrapping),
// or err's text when it did not come from the API server.
func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}
