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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// reporter is one reconcile's scope as the code both reconcilers share sees
// it (the stage runner, conditions, Events, the data claim): the object
// reconciled, its conditions, and why it waits. The FhirEndpoint reconciler's
// scope and the FhirAggregator reconciler's aggregatorScope implement it.
type reporter interface {
	// object is the FhirEndpoint or FhirAggregator: Events regard it and
	// conditions are stamped with its generation.
	object() client.Object
	// conditions is its status.conditions, which stages write to.
	conditions() *[]metav1.Condition
	// children are the conditions that each report one child, in the
	// order the stages apply them: Ready is True only when all are.
	children() []string
	// suspendedNow says spec.suspend holds the workload at zero replicas.
	suspendedNow() bool
	// readyMessage is Ready's message when everything is ready.
	readyMessage() string
	// block records why the object cannot proceed and returns errBlocked;
	// blocked reads the first reason back.
	block(reason, message string) error
	blocked() (reason, message string)
	eventRecorder() events.EventRecorder
}

// blockState is the part of a scope that records the first errBlocked.
type blockState struct {
	// blockedReason/blockedMessage explain the first errBlocked for the Ready condition.
	blockedReason  string
	blockedMessage string
}

// block records why the object cannot proceed and returns errBlocked. The
// first stage to block names the reason Ready reports.
func (b *blockState) block(reason, message string) error {
	if b.blockedReason == "" {
		b.blockedReason, b.blockedMessage = reason, message
	}
	return errBlocked
}

func (b *blockState) blocked() (reason, message string) { return b.blockedReason, b.blockedMessage }
