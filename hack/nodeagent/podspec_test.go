package main

import (
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestBinaryFor(t *testing.T) {
	for image, want := range map[string]string{
		"ghcr.io/fhirfleet/fhirserver:v1.2":            "fhirserver",
		"ghcr.io/fhirfleet/aggregator@sha256:0123":     "aggregator",
		"localhost:5000/team/fhirfleet-aggregator:dev": "aggregator",
		"fhirserver":                        "fhirserver",
		"ghcr.io/fhirserver-builds/nginx:1": "", // the repository path does not count
		"busybox":                           "",
	} {
		if got := binaryFor(image); got != want {
			t.Errorf("binaryFor(%q) = %q, want %q", image, got, want)
		}
	}
}

// serverPod is what the operator's StatefulSet makes, in short.
func serverPod(image string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "acme-labs-0", Namespace: "acme"},
		Spec: corev1.PodSpec{NodeName: "dev", Containers: []corev1.Container{{
			Name: "fhirserver", Image: image,
			Command: []string{"fhirserver", "--fhir-version", "R4", "--data-dir", "/data", "--credentials-dir", "/var/run/secrets/fhirfleet/credentials",
				"--metrics-listen", ":9090", "--base-url=http://acme-labs.localhost:8080"},
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090}},
			Env: []corev1.EnvVar{
				{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
				{Name: "KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "client_id"}}},
				{Name: "CACHE", Value: "/tmp/cache"},
			},
			VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}, {Name: "credentials", MountPath: "/var/run/secrets/fhirfleet/credentials"}, {Name: "tmp", MountPath: "/tmp"}},
		}}},
	}
}

var testLookup = envLookup{
	secret: func(name, key string) (string, error) {
		if name == "creds" && key == "client_id" {
			return "acme-id", nil
		}
		return "", errors.New("not found")
	},
	configMap: func(string, string) (string, error) { return "", errors.New("not found") },
}

func TestBuildLaunchRewritesMountsAndPorts(t *testing.T) {
	vols := map[string]string{"data": "/s/volumes/acme/acme-labs-data", "credentials": "/s/pods/acme_acme-labs-0/credentials", "tmp": "/s/pods/acme_acme-labs-0/tmp"}
	l, err := buildLaunch(serverPod("ghcr.io/fhirfleet/fhirserver:v1"), vols, map[int32]int{8080: 40001, 9090: 40002}, "/s/kubeconfig", "http://127.0.0.1:8080", testLookup)
	if err != nil {
		t.Fatal(err)
	}
	wantArgs := []string{"--fhir-version", "R4", "--data-dir", "/s/volumes/acme/acme-labs-data", "--credentials-dir", "/s/pods/acme_acme-labs-0/credentials",
		"--metrics-listen", "127.0.0.1:40002", "--base-url=http://acme-labs.localhost:8080"}
	if l.Binary != "fhirserver" || !slices.Equal(l.Args, wantArgs) {
		t.Errorf("launch %s %q, want fhirserver %q", l.Binary, l.Args, wantArgs)
	}
	env := strings.Join(l.Env, " ")
	for _, want := range []string{"POD=acme-labs-0", "KEY=acme-id", "CACHE=/s/pods/acme_acme-labs-0/tmp/cache",
		"FHIRSERVER_LISTEN=127.0.0.1:40001", "TMPDIR=/s/pods/acme_acme-labs-0/tmp", "HTTP_PROXY=http://127.0.0.1:8080"} {
		if !slices.Contains(l.Env, want) {
			t.Errorf("env %s lacks %s", env, want)
		}
	}
	// --metrics-listen was given, so no env duplicates it; a server gets no kubeconfig.
	if strings.Contains(env, "FHIRSERVER_METRICS_LISTEN") || strings.Contains(env, "KUBECONFIG") {
		t.Errorf("env %s", env)
	}
	if l.Ports["http"] != 40001 || l.Ports["metrics"] != 40002 {
		t.Errorf("ports %v", l.Ports)
	}
}

func TestBuildLaunchGivesTheAggregatorAKubeconfig(t *testing.T) {
	pod := serverPod("ghcr.io/fhirfleet/aggregator:v1")
	pod.Spec.Containers[0].Command = nil
	pod.Spec.Containers[0].Args = []string{"--data-dir", "/data"}
	l, err := buildLaunch(pod, map[string]string{"data": "/d", "credentials": "/c", "tmp": "/t"}, map[int32]int{8080: 1, 9090: 2}, "/s/kubeconfig", "", testLookup)
	if err != nil {
		t.Fatal(err)
	}
	if l.Binary != "aggregator" || !slices.Equal(l.Args, []string{"--data-dir", "/d"}) {
		t.Errorf("launch %s %q", l.Binary, l.Args)
	}
	for _, want := range []string{"AGGREGATOR_KUBECONFIG=/s/kubeconfig", "AGGREGATOR_LISTEN=127.0.0.1:1", "AGGREGATOR_METRICS_LISTEN=127.0.0.1:2"} {
		if !slices.Contains(l.Env, want) {
			t.Errorf("env %q lacks %s", l.Env, want)
		}
	}
}

func TestBuildLaunchRefuses(t *testing.T) {
	vols := map[string]string{"data": "/d", "credentials": "/c", "tmp": "/t"}
	noSecret := serverPod("ghcr.io/fhirfleet/fhirserver:v1")
	noSecret.Spec.Containers[0].Env[1].ValueFrom.SecretKeyRef.Key = "missing"
	missingVolume := serverPod("ghcr.io/fhirfleet/fhirserver:v1")
	badField := serverPod("ghcr.io/fhirfleet/fhirserver:v1")
	badField.Spec.Containers[0].Env[0].ValueFrom.FieldRef.FieldPath = "metadata.labels['x']"
	for name, tc := range map[string]struct {
		pod  *corev1.Pod
		vols map[string]string
		want string
	}{
		"an image with no local binary": {serverPod("nginx:1"), vols, `image "nginx:1" names no local binary`},
		"a missing secret key":          {noSecret, vols, "env KEY"},
		"a mount of an unknown volume":  {missingVolume, map[string]string{"data": "/d"}, `no volume "credentials"`},
		"an unsupported fieldRef":       {badField, vols, "not supported"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := buildLaunch(tc.pod, tc.vols, map[int32]int{8080: 1, 9090: 2}, "", "", testLookup)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestRewriterValue(t *testing.T) {
	r := rewriter{mounts: map[string]string{"/data": "/l/data", "/data/sub": "/l/sub"}, ports: map[int32]int{8080: 5}}
	for in, want := range map[string]string{
		"/data":          "/l/data",
		"/data/x":        "/l/data/x",
		"/database":      "/database",
		"/data/sub/y":    "/l/sub/y",
		":8080":          "127.0.0.1:5",
		"0.0.0.0:8080":   "127.0.0.1:5",
		"10.0.0.1:8080":  "10.0.0.1:8080",
		":9999":          ":9999",
		"--listen=:8080": "--listen=127.0.0.1:5",
		"--flag":         "--flag",
	} {
		if got := r.value(in); got != want {
			t.Errorf("value(%q) = %q, want %q", in, got, want)
		}
	}
}
