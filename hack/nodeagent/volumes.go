package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// podDir is the private folder of one pod's secret and emptyDir volumes.
func podDir(state string, pod *corev1.Pod) string {
	return filepath.Join(state, "pods", pod.Namespace+"_"+pod.Name)
}

// claimDir is the folder standing in for a PersistentVolumeClaim's volume.
func claimDir(state, namespace, claim string) string {
	return filepath.Join(state, "volumes", namespace, claim)
}

// secretGetter reads a Secret of the pod's namespace.
type secretGetter func(name string) (*corev1.Secret, error)

// prepareVolumes makes a folder for each of the pod's volumes and writes the
// Secrets' files. It is called again whenever a Secret may have changed:
// files are replaced (atomically) only when their content differs.
func prepareVolumes(state string, pod *corev1.Pod, getSecret secretGetter) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		dir := filepath.Join(podDir(state, pod), v.Name)
		var files map[string][]byte
		switch {
		case v.PersistentVolumeClaim != nil:
			dir = claimDir(state, pod.Namespace, v.PersistentVolumeClaim.ClaimName)
		case v.EmptyDir != nil:
		case v.Secret != nil:
			f, err := secretFiles(getSecret, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional)
			if err != nil {
				return nil, fmt.Errorf("volume %s: %w", v.Name, err)
			}
			files = f
		case v.Projected != nil:
			files = map[string][]byte{}
			for _, src := range v.Projected.Sources {
				if src.Secret == nil {
					continue // service account tokens, config maps: not needed by fhirfleet's pods
				}
				f, err := secretFiles(getSecret, src.Secret.Name, src.Secret.Items, src.Secret.Optional)
				if err != nil {
					return nil, fmt.Errorf("volume %s: %w", v.Name, err)
				}
				for k, b := range f {
					files[k] = b
				}
			}
		default:
			return nil, fmt.Errorf("volume %s: only persistentVolumeClaim, emptyDir, secret and projected secret volumes run here", v.Name)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if files != nil {
			if err := writeFiles(dir, files); err != nil {
				return nil, fmt.Errorf("volume %s: %w", v.Name, err)
			}
		}
		out[v.Name] = dir
	}
	return out, nil
}

// secretFiles is the file set of a secret volume: every key, or the items listed.
func secretFiles(get secretGetter, name string, items []corev1.KeyToPath, optional *bool) (map[string][]byte, error) {
	s, err := get(name)
	if err != nil {
		if optional != nil && *optional {
			return map[string][]byte{}, nil
		}
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	files := map[string][]byte{}
	if len(items) == 0 {
		for k, b := range s.Data {
			files[k] = b
		}
		return files, nil
	}
	for _, it := range items {
		b, ok := s.Data[it.Key]
		if !ok {
			return nil, fmt.Errorf("secret %s has no key %s", name, it.Key)
		}
		files[it.Path] = b
	}
	return files, nil
}

// writeFiles makes dir hold exactly files (mode 0600, folders 0700).
func writeFiles(dir string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.Clean("/"+n))
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, files[n]) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, files[n], 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
	}
	// Keys taken out of the Secret go from the folder too.
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if _, ok := files[rel]; !ok {
			return os.Remove(p)
		}
		return nil
	})
}
