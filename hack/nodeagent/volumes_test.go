package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPrepareVolumes(t *testing.T) {
	state := t.TempDir()
	secret := &corev1.Secret{Data: map[string][]byte{"client_id": []byte("id"), "client_secret": []byte("s1"), "extra": []byte("x")}}
	get := func(name string) (*corev1.Secret, error) {
		if name == "creds" {
			return secret, nil
		}
		return nil, errors.New("not found")
	}
	optional := true
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p-0", Namespace: "acme"}, Spec: corev1.PodSpec{Volumes: []corev1.Volume{
		{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "p-data"}}},
		{Name: "credentials", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}}},
		{Name: "picked", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Items: []corev1.KeyToPath{{Key: "client_id", Path: "sub/id"}}}},
			{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Optional: &optional}},
		}}}},
		{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}}}
	vols, err := prepareVolumes(state, pod, get)
	if err != nil {
		t.Fatal(err)
	}
	if vols["data"] != filepath.Join(state, "volumes", "acme", "p-data") || vols["tmp"] != filepath.Join(state, "pods", "acme_p-0", "tmp") {
		t.Errorf("folders %v", vols)
	}
	check := func(path, want string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", path, b, err, want)
			return
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
		}
	}
	check(filepath.Join(vols["credentials"], "client_secret"), "s1")
	check(filepath.Join(vols["picked"], "sub", "id"), "id")
	for _, dir := range []string{vols["credentials"], filepath.Join(vols["picked"], "sub"), vols["data"]} {
		if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
			t.Errorf("%s has mode %v, want 0700", dir, fi.Mode().Perm())
		}
	}

	// A rotated secret reaches the files; a key taken out goes.
	secret.Data = map[string][]byte{"client_id": []byte("id"), "client_secret": []byte("s2")}
	if _, err := prepareVolumes(state, pod, get); err != nil {
		t.Fatal(err)
	}
	check(filepath.Join(vols["credentials"], "client_secret"), "s2")
	if _, err := os.Stat(filepath.Join(vols["credentials"], "extra")); !os.IsNotExist(err) {
		t.Errorf("a key removed from the Secret is still a file: %v", err)
	}

	// A missing, not optional Secret is an error; so is a volume kind not run here.
	pod.Spec.Volumes[1].Secret.SecretName = "absent"
	if _, err := prepareVolumes(state, pod, get); err == nil {
		t.Error("a missing Secret was accepted")
	}
	pod.Spec.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
	if _, err := prepareVolumes(state, pod, get); err == nil {
		t.Error("a hostPath volume was accepted")
	}
}
