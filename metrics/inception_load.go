package metrics

import "sweep/metrics/inception"

// loadInception loads the pytorch-fid Inception network from verified weights.
var loadInception = func(path string) (FeatureExtractor, error) {
	return inception.Load(path)
}
