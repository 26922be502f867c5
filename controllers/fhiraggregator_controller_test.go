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

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// aggregatorHome is the namespace the FhirEndpoints' NetworkPolicies admit
// aggregators in (testConfig's AggregatorNamespace); created once.
func aggregatorHome() string {
	GinkgoHelper()
	ns := testConfig().AggregatorNamespace
	err := k8sClient.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	if !apierrors.IsAlreadyExists(err) {
		Expect(err).NotTo(HaveOccurred())
	}
	return ns
}

// newAggregator is a FhirAggregator in ns with subdomain <name>-agg, changed by mutate.
func newAggregator(ns, name string, mutate func(*fhirv1.FhirAggregator)) *fhirv1.FhirAggregator {
	a := &fhirv1.FhirAggregator{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       fhirv1.FhirAggregatorSpec{Subdomain: name + "-agg"},
	}
	if mutate != nil {
		mutate(a)
	}
	return a
}

// provisionAggregator creates a and waits until its StatefulSet exists and
// its status speaks for its generation.
func provisionAggregator(a *fhirv1.FhirAggregator) *fhirv1.FhirAggregator {
	GinkgoHelper()
	Expect(k8sClient.Create(context.Background(), a)).To(Succeed())
	fetch(&appsv1.StatefulSet{}, a.Namespace, a.Name)
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(a), a)).To(Succeed())
		g.Expect(a.Status.ObservedGeneration).To(Equal(a.Generation))
	}).Should(Succeed())
	return a
}

func updateAggregator(a *fhirv1.FhirAggregator, change func(*fhirv1.FhirAggregator)) {
	GinkgoHelper()
	Expect(tryUpdateAggregator(a, change)).To(Succeed())
}

func aggregatorCondition(a *fhirv1.FhirAggregator, condType string) func() *metav1.Condition {
	return func() *metav1.Condition {
		cur := &fhirv1.FhirAggregator{}
		if err := k8sClient.Get(context.Background(), client.ObjectKeyFromObject(a), cur); err != nil {
			return nil
		}
		return meta.FindStatusCondition(cur.Status.Conditions, condType)
	}
}

func secretData(ns, name string) map[string]string {
	GinkgoHelper()
	s := &corev1.Secret{}
	fetch(s, ns, name)
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

var _ = Describe("a FhirAggregator", func() {
	ctx := context.Background()

	It("becomes its children: the aggregator in Kubernetes mode with its exact command, mounts, identity and URL", func() {
		ns := aggregatorHome()
		a := provisionAggregator(newAggregator(ns, "agg-children", func(a *fhirv1.FhirAggregator) {
			a.Spec.Customers = []fhirv1.AggregatorCustomer{
				{Name: "acme", PrivacyLabels: []fhirv1.PrivacyLabel{fhirv1.PrivacyLabelMentalHealth, fhirv1.PrivacyLabelGeneralHealth}},
				{Name: "globex"},
			}
			a.Spec.PatientAccess = &fhirv1.PatientAccessSpec{Issuer: "https://login.example.test", JWKSURI: "https://login.example.test/jwks", Audience: "agg"}
		}))
		Expect(a.Finalizers).To(ConsistOf(AggregatorFinalizer))
		Expect(a.Status.URL).To(Equal("https://agg-children-agg.fhir.example.test/fhir"))
		Expect(a.Status.TokenURL).To(Equal("https://agg-children-agg.fhir.example.test/oauth2/token"))

		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, a.Name)
		Expect(metav1.IsControlledBy(sts, a)).To(BeTrue())
		Expect(*sts.Spec.Replicas).To(Equal(int32(1)))
		pod := sts.Spec.Template.Spec
		Expect(pod.ServiceAccountName).To(Equal(a.Name))
		Expect(pod.AutomountServiceAccountToken).To(Equal(ptr.To(true)))
		c := pod.Containers[0]
		Expect(c.Image).To(Equal(testConfig().AggregatorImage))
		Expect(c.Command).To(Equal([]string{"aggregator",
			"--data-dir", "/data", "--listen", ":8080", "--metrics-listen", ":9090",
			"--base-url", "https://agg-children-agg.fhir.example.test", "--poll-wait", "55s",
			"--clients-dir", "/clients", "--credentials-dir", "/credentials",
			"--patient-issuer", "https://login.example.test", "--patient-jwks", "https://login.example.test/jwks",
			"--patient-audience", "agg", "--patient-min-proofing", "P9"}))
		Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
		Expect(c.ReadinessProbe.HTTPGet.Port.StrVal).To(Equal("metrics"))
		Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
		mounts := map[string]string{}
		for _, m := range c.VolumeMounts {
			mounts[m.Name] = m.MountPath
		}
		Expect(mounts).To(Equal(map[string]string{"data": "/data", "clients": "/clients", "credentials": "/credentials", "tmp": "/tmp"}))
		volumes := map[string]corev1.Volume{}
		for _, v := range pod.Volumes {
			volumes[v.Name] = v
		}
		Expect(volumes["data"].PersistentVolumeClaim.ClaimName).To(Equal("agg-children-data"))
		Expect(volumes["credentials"].Secret.SecretName).To(Equal("agg-children-signing-key"))
		var projected []string
		for _, src := range volumes["clients"].Projected.Sources {
			for _, item := range src.Secret.Items {
				projected = append(projected, src.Secret.Name+":"+item.Key+"->"+item.Path)
			}
		}
		Expect(projected).To(ConsistOf(
			"agg-children-client-acme:client_id->acme/client_id", "agg-children-client-acme:client_secret->acme/client_secret",
			"agg-children-client-acme:privacy_labels->acme/privacy_labels",
			"agg-children-client-globex:client_id->globex/client_id", "agg-children-client-globex:client_secret->globex/client_secret",
			"agg-children-client-globex:privacy_labels->globex/privacy_labels"))

		By("carrying the labels the FhirEndpoints' NetworkPolicies admit")
		e := provision(newEndpoint(newNamespace(), "followed", nil))
		np := &networkingv1.NetworkPolicy{}
		fetch(np, e.Namespace, e.Name)
		admitted := false
		for _, rule := range np.Spec.Ingress {
			for _, peer := range rule.From {
				if peer.PodSelector == nil {
					continue
				}
				sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
				Expect(err).NotTo(HaveOccurred())
				nsSel, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
				Expect(err).NotTo(HaveOccurred())
				if sel.Matches(labels.Set(sts.Spec.Template.Labels)) && nsSel.Matches(labels.Set{namespaceNameLabel: ns}) {
					admitted = true
				}
			}
		}
		Expect(admitted).To(BeTrue(), "pod labels %v in %s are admitted by %+v", sts.Spec.Template.Labels, ns, np.Spec.Ingress)

		By("generating the signing key and one client per customer, with its privacy labels")
		Expect(secretData(ns, "agg-children-signing-key")).To(HaveKeyWithValue("token_signing_key", ContainSubstring("PRIVATE KEY")))
		acme := secretData(ns, "agg-children-client-acme")
		Expect(acme["client_id"]).To(HaveLen(32))
		Expect(acme["client_secret"]).To(HaveLen(43))
		Expect(acme["privacy_labels"]).To(Equal("GENERAL_HEALTH,MENTAL_HEALTH"))
		Expect(secretData(ns, "agg-children-client-globex")).To(HaveKeyWithValue("privacy_labels", ""))

		By("binding its ServiceAccount to the aggregator's ClusterRole cluster-wide")
		sa := &corev1.ServiceAccount{}
		fetch(sa, ns, a.Name)
		Expect(metav1.IsControlledBy(sa, a)).To(BeTrue())
		crb := &rbacv1.ClusterRoleBinding{}
		fetch(crb, "", "fhirfleet-aggregator-"+ns+"-"+a.Name)
		Expect(crb.RoleRef).To(Equal(rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "fhirfleet-aggregator"}))
		Expect(crb.Subjects).To(Equal([]rbacv1.Subject{{Kind: "ServiceAccount", Name: a.Name, Namespace: ns}}))

		By("serving on <subdomain>.<base-domain> through its Service")
		svc := &corev1.Service{}
		fetch(svc, ns, a.Name)
		Expect(svc.Spec.Selector).To(Equal(map[string]string{LabelAggregator: a.Name, "app.kubernetes.io/component": "aggregator"}))
		ing := &networkingv1.Ingress{}
		fetch(ing, ns, a.Name)
		Expect(ing.Spec.Rules[0].Host).To(Equal("agg-children-agg.fhir.example.test"))
		Expect(ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name).To(Equal(a.Name))
		pvc := &corev1.PersistentVolumeClaim{}
		fetch(pvc, ns, "agg-children-data")
		Expect(pvc.Spec.Resources.Requests.Storage().String()).To(Equal("10Gi"))

		By("turning Ready once the pod is")
		Expect(aggregatorCondition(a, fhirv1.ConditionReady)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonProgressing))
		markServerReady(&fhirv1.FhirEndpoint{ObjectMeta: a.ObjectMeta}, 1)
		Eventually(aggregatorCondition(a, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonReady))
		Expect(aggregatorCondition(a, fhirv1.ConditionAvailable)()).To(haveCondition(metav1.ConditionTrue, fhirv1.ReasonPodReady))

		By("costing no writes once steady")
		// The manager's own reconciles (set off by its status writes) may
		// still be writing: count only once one writes nothing.
		Eventually(func(g Gomega) int64 {
			before := writes.writesIn(ns)
			g.Expect(reconcileAggregatorNow(a)).To(Succeed())
			return writes.writesIn(ns) - before
		}).Should(BeZero())
		before := writes.writesIn(ns)
		for range 3 {
			Expect(reconcileAggregatorNow(a)).To(Succeed())
		}
		Expect(writes.writesIn(ns)).To(Equal(before), "reconciling an unchanged aggregator wrote to the API server")

		By("deleting its cluster-wide binding with it")
		Expect(k8sClient.Delete(ctx, a)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, keyOf("", crb.Name), &rbacv1.ClusterRoleBinding{}))
		}).Should(BeTrue())
		Eventually(func() bool { return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(a), a)) }).Should(BeTrue())
	})

	It("generates a customer's client once and never overwrites it; its labels follow the spec; a former customer's goes", func() {
		ns := aggregatorHome()
		a := provisionAggregator(newAggregator(ns, "agg-clients", func(a *fhirv1.FhirAggregator) {
			a.Spec.Customers = []fhirv1.AggregatorCustomer{{Name: "acme", PrivacyLabels: []fhirv1.PrivacyLabel{fhirv1.PrivacyLabelGeneralHealth}}, {Name: "globex"}}
		}))
		name := a.ClientSecretName("acme")
		first := secretData(ns, name)

		By("keeping a value somebody changed by hand")
		Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
			s := &corev1.Secret{}
			if err := k8sClient.Get(ctx, keyOf(ns, name), s); err != nil {
				return err
			}
			s.Data["client_secret"] = []byte("chosen-by-hand")
			return k8sClient.Update(ctx, s)
		})).To(Succeed())

		updateAggregator(a, func(a *fhirv1.FhirAggregator) {
			a.Spec.Customers[0].PrivacyLabels = []fhirv1.PrivacyLabel{fhirv1.PrivacyLabelSexualHealth, fhirv1.PrivacyLabelSocialCare}
			a.Spec.Customers = a.Spec.Customers[:1]
		})
		Eventually(func() string { return secretData(ns, name)["privacy_labels"] }).Should(Equal("SEXUAL_HEALTH,SOCIAL_CARE"))
		now := secretData(ns, name)
		Expect(now["client_id"]).To(Equal(first["client_id"]))
		Expect(now["client_secret"]).To(Equal("chosen-by-hand"))

		By("deleting the Secret of a customer no longer listed")
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(ns, a.ClientSecretName("globex")), &corev1.Secret{}))
		}).Should(BeTrue())
		sts := &appsv1.StatefulSet{}
		Eventually(func() int {
			fetch(sts, ns, a.Name)
			for _, v := range sts.Spec.Template.Spec.Volumes {
				if v.Name == "clients" && v.Projected != nil {
					return len(v.Projected.Sources)
				}
			}
			return -1
		}).Should(Equal(1))

		By("filling in a generated key that was emptied, and only that")
		signing := secretData(ns, a.SigningKeySecretName())
		Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
			s := &corev1.Secret{}
			if err := k8sClient.Get(ctx, keyOf(ns, name), s); err != nil {
				return err
			}
			delete(s.Data, "client_id")
			return k8sClient.Update(ctx, s)
		})).To(Succeed())
		Eventually(func() string { return secretData(ns, name)["client_id"] }).Should(HaveLen(32))
		Expect(secretData(ns, name)["client_secret"]).To(Equal("chosen-by-hand"))
		Expect(secretData(ns, a.SigningKeySecretName())).To(Equal(signing))
	})

	It("scales to zero when suspended and says so", func() {
		ns := aggregatorHome()
		a := provisionAggregator(newAggregator(ns, "agg-suspend", nil))
		updateAggregator(a, func(a *fhirv1.FhirAggregator) { a.Spec.Suspend = true })
		Eventually(func() int32 {
			sts := &appsv1.StatefulSet{}
			fetch(sts, ns, a.Name)
			return *sts.Spec.Replicas
		}).Should(BeZero())
		Eventually(aggregatorCondition(a, fhirv1.ConditionSuspended)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonSuspended))
		Expect(aggregatorCondition(a, fhirv1.ConditionReady)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonSuspended))
		Expect(aggregatorCondition(a, fhirv1.ConditionAvailable)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonSuspended))
		Eventually(func() []string { return eventReasons(ns, a.Name) }).Should(ContainElement("Normal/" + fhirv1.ReasonSuspended))

		By("running again when resumed")
		updateAggregator(a, func(a *fhirv1.FhirAggregator) { a.Spec.Suspend = false })
		Eventually(func() int32 {
			sts := &appsv1.StatefulSet{}
			fetch(sts, ns, a.Name)
			return *sts.Spec.Replicas
		}).Should(Equal(int32(1)))
		Eventually(func() []string { return eventReasons(ns, a.Name) }).Should(ContainElement("Normal/Resumed"))
	})

	It("follows the listed namespaces only: RoleBindings there, --namespace, and sources and lag from their FhirEndpoints", func() {
		home := aggregatorHome()
		ns1, ns2, other := newNamespace(), newNamespace(), newNamespace()
		lag := func(e *fhirv1.FhirEndpoint, seconds int64) {
			GinkgoHelper()
			Expect(k8sClient.Create(ctx, e)).To(Succeed())
			patch := []byte(fmt.Sprintf(`{"status":{"aggregation":{"lagSeconds":%d}}}`, seconds))
			Expect(k8sClient.Status().Patch(ctx, e, client.RawPatch(types.MergePatchType, patch), client.FieldOwner("fhirfleet-aggregator"))).To(Succeed())
		}
		lag(newEndpoint(ns1, "lag-a", nil), 3)
		lag(newEndpoint(ns1, "lag-b", nil), 9)
		lag(newEndpoint(ns2, "lag-c", func(e *fhirv1.FhirEndpoint) { e.Spec.Aggregation.Enabled = ptr.To(false) }), 100)
		lag(newEndpoint(other, "lag-d", nil), 500)

		a := provisionAggregator(newAggregator(home, "agg-listed", func(a *fhirv1.FhirAggregator) { a.Spec.Namespaces = []string{ns1, ns2} }))
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(a), a)).To(Succeed())
			g.Expect(a.Status.Sources).To(Equal(int32(2)))
			g.Expect(a.Status.WorstLagSeconds).To(Equal(ptr.To(int64(9))))
		}).Should(Succeed())

		sts := &appsv1.StatefulSet{}
		fetch(sts, home, a.Name)
		Expect(sts.Spec.Template.Spec.Containers[0].Command).To(ContainElements("--namespace", ns1+","+ns2))
		binding := "fhirfleet-aggregator-" + home + "-" + a.Name
		for _, ns := range []string{ns1, ns2} {
			rb := &rbacv1.RoleBinding{}
			fetch(rb, ns, binding)
			Expect(rb.RoleRef.Name).To(Equal("fhirfleet-aggregator"))
			Expect(rb.Subjects).To(Equal([]rbacv1.Subject{{Kind: "ServiceAccount", Name: a.Name, Namespace: home}}))
		}
		Expect(apierrors.IsNotFound(k8sClient.Get(ctx, keyOf("", binding), &rbacv1.ClusterRoleBinding{}))).To(BeTrue())

		By("following a new lag as the aggregator reports it")
		e := &fhirv1.FhirEndpoint{}
		Expect(k8sClient.Get(ctx, keyOf(ns1, "lag-a"), e)).To(Succeed())
		Expect(k8sClient.Status().Patch(ctx, e, client.RawPatch(types.MergePatchType, []byte(`{"status":{"aggregation":{"lagSeconds":42}}}`)))).To(Succeed())
		Eventually(func() *int64 {
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(a), a)).To(Succeed())
			return a.Status.WorstLagSeconds
		}).Should(Equal(ptr.To(int64(42))))

		By("dropping the RoleBinding of a namespace no longer listed")
		updateAggregator(a, func(a *fhirv1.FhirAggregator) { a.Spec.Namespaces = []string{ns1} })
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(ns2, binding), &rbacv1.RoleBinding{}))
		}).Should(BeTrue())
		Eventually(func() int32 {
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(a), a)).To(Succeed())
			return a.Status.Sources
		}).Should(Equal(int32(2)))

		By("switching to a ClusterRoleBinding when it follows every namespace")
		updateAggregator(a, func(a *fhirv1.FhirAggregator) { a.Spec.Namespaces = nil })
		fetch(&rbacv1.ClusterRoleBinding{}, "", binding)
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(ns1, binding), &rbacv1.RoleBinding{}))
		}).Should(BeTrue())
	})

	It("mounts a patient JWK Set from a Secret as a file", func() {
		ns := aggregatorHome()
		a := provisionAggregator(newAggregator(ns, "agg-jwks", func(a *fhirv1.FhirAggregator) {
			a.Spec.PatientAccess = &fhirv1.PatientAccessSpec{Issuer: "https://login.example.test", Audience: "agg",
				JWKSSecret: &fhirv1.SecretKeyRef{Name: "nhs-login-keys"}, MinimumProofingLevel: "P5"}
		}))
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, a.Name)
		c := sts.Spec.Template.Spec.Containers[0]
		Expect(c.Command).To(ContainElements("--patient-jwks", "/patient-jwks/jwks.json"))
		Expect(c.Command[len(c.Command)-2:]).To(Equal([]string{"--patient-min-proofing", "P5"}))
		Expect(c.VolumeMounts).To(ContainElement(corev1.VolumeMount{Name: "patient-jwks", MountPath: "/patient-jwks", ReadOnly: true}))
		var jwks *corev1.SecretVolumeSource
		for _, v := range sts.Spec.Template.Spec.Volumes {
			if v.Name == "patient-jwks" {
				jwks = v.Secret
			}
		}
		Expect(jwks).NotTo(BeNil())
		Expect(jwks.SecretName).To(Equal("nhs-login-keys"))
		Expect(jwks.Items).To(Equal([]corev1.KeyToPath{{Key: "jwks.json", Path: "jwks.json"}}))
	})

	It("says when it runs outside the namespace the NetworkPolicies admit", func() {
		ns := newNamespace()
		a := provisionAggregator(newAggregator(ns, "agg-elsewhere", nil))
		Expect(aggregatorCondition(a, fhirv1.ConditionSpecAccepted)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonNamespaceNotAdmitted))
		Expect(aggregatorCondition(a, fhirv1.ConditionReady)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonNamespaceNotAdmitted))
		Expect(aggregatorCondition(a, fhirv1.ConditionSpecAccepted)().Message).To(ContainSubstring("fhirfleet-system"))
	})
})

// reconcileAggregatorNow runs one reconcile of a outside the manager's
// queue, with the suite's counting client, reading the children uncached.
func reconcileAggregatorNow(a *fhirv1.FhirAggregator) error {
	r := &FhirAggregatorReconciler{Client: writes, Config: testConfig(), children: k8sClient}
	_, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(a)})
	return err
}
