package kubesource

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// The control plane every test of this package shares (a real kube-apiserver
// and etcd, the CRD installed), as controllers/ starts it.
var (
	// admin reaches the API server as cluster admin: the tests' own hands,
	// and the operator's.
	admin       *rest.Config
	adminClient client.Client
	// aggregator reaches it as a user bound to nothing but
	// config/rbac/aggregator_role.yaml, so every test also shows the role is
	// enough.
	aggregator *rest.Config
	// nobody may do nothing.
	nobody *rest.Config
	scheme *runtime.Scheme
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	assets, err := controlPlaneAssets()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	admin, err = env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start envtest:", err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop envtest:", err)
		}
	}()
	if err := setUpUsers(env); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// controlPlaneAssets is $KUBEBUILDER_ASSETS, else what hack/setup-envtest.sh
// builds or finds cached.
func controlPlaneAssets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	out, err := exec.Command(filepath.Join("..", "..", "hack", "setup-envtest.sh")).Output()
	if err != nil {
		return "", fmt.Errorf("hack/setup-envtest.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// setUpUsers makes the admin client, and the aggregator user bound to the
// ClusterRole of config/rbac/aggregator_role.yaml.
func setUpUsers(env *envtest.Environment) error {
	scheme = runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := fhirv1.AddToScheme(scheme); err != nil {
		return err
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return err
	}
	var err error
	if adminClient, err = client.New(admin, client.Options{Scheme: scheme}); err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", "aggregator_role.yaml"))
	if err != nil {
		return err
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.UnmarshalStrict(raw, role); err != nil {
		return fmt.Errorf("aggregator_role.yaml: %w", err)
	}
	ctx := context.Background()
	if err := adminClient.Create(ctx, role); err != nil {
		return fmt.Errorf("create ClusterRole: %w", err)
	}
	binding := &rbacv1.ClusterRoleBinding{}
	binding.Name = "aggregator"
	binding.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name}
	binding.Subjects = []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "aggregator"}}
	if err := adminClient.Create(ctx, binding); err != nil {
		return fmt.Errorf("create ClusterRoleBinding: %w", err)
	}
	for name, cfg := range map[string]**rest.Config{"aggregator": &aggregator, "nobody": &nobody} {
		user, err := env.AddUser(envtest.User{Name: name}, admin)
		if err != nil {
			return fmt.Errorf("add user %s: %w", name, err)
		}
		*cfg = user.Config()
	}
	return nil
}

// newNamespace makes a namespace of the test's own.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{}
	ns.GenerateName = "kubesource-"
	if err := adminClient.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}
