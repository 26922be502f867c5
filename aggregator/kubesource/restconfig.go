package kubesource

import (
	"errors"
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// RESTConfig reaches the API server: through the kubeconfig file named, or,
// when kubeconfig is empty, as the pod's service account in the cluster.
// $KUBECONFIG is deliberately not consulted: an aggregator started outside
// the cluster by mistake should say so, not follow whatever cluster the
// shell points at.
func RESTConfig(kubeconfig string) (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	if kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
		}
	} else {
		cfg, err = rest.InClusterConfig()
		if errors.Is(err, rest.ErrNotInCluster) {
			return nil, errors.New("not running in a Kubernetes cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset): pass --kubeconfig to reach a cluster from outside, or --source to follow servers without Kubernetes")
		}
		if err != nil {
			return nil, fmt.Errorf("in-cluster config: %w", err)
		}
	}
	cfg.UserAgent = FieldManager
	// client-go's defaults (5 requests/s) would queue the status writes of
	// a large fleet; these are controller-runtime's.
	if cfg.QPS == 0 {
		cfg.QPS = 20
	}
	if cfg.Burst == 0 {
		cfg.Burst = 30
	}
	return cfg, nil
}
