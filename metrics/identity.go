// Package metrics computes the evaluation metrics of QS-Attn / CUT experiments: the sliced
// Wasserstein distance of Karras et al., the Fréchet Inception distance of pytorch-fid and the
// Cityscapes segmentation scores. Every value carries the identity of how it was computed, so
// values computed differently are never compared by accident.
package metrics

import (
	"fmt"
	"strings"
)

// Identity says how a metric value was computed.
type Identity struct {
	Impl    string   // implementation, e.g. "sweep-swd-karras"
	Version string   // version of that implementation; bumped whenever its numbers change
	Resize  string   // how images were resized before measuring, "none" if not at all
	Images  int      // number of images (of the fake set; Extra names others)
	Seed    uint64   // seed of the random draws; 0 for deterministic metrics
	Extra   []string // further key=value facts, e.g. "real_images=140"
}

// String renders the identity as space-separated key=value pairs in a fixed order.
func (id Identity) String() string {
	parts := []string{
		"impl=" + id.Impl,
		"version=" + id.Version,
		"resize=" + id.Resize,
		fmt.Sprintf("images=%d", id.Images),
		fmt.Sprintf("seed=%d", id.Seed),
	}
	return strings.Join(append(parts, id.Extra...), " ")
}

// Value is one named value a metric computed, with the identity of its computation; the
// caller records it (evaluate makes it a run metric of a checkpoint).
type Value struct {
	Name     string
	Value    float64
	Identity string
}

func value(name string, v float64, id Identity) Value {
	return Value{Name: name, Value: v, Identity: id.String()}
}
