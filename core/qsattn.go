package core

import (
	"fmt"
	"math/rand/v2"
	"sweep/ops"
	"sweep/tensor"
)

// Selection modes of the attention layers (paper ablation models).
const (
	ModeGlobal           = "global"             // A: lowest-entropy rows of softmax(FFᵀ), global routing
	ModeRandomGlobal     = "random_global"      // B: random rows, global routing
	ModeEntropyNoRoute   = "entropy_noroute"    // C: lowest-entropy positions, raw features
	ModeSelfRouteEntropy = "self_route_entropy" // D: rows by source entropy, each domain routed by its own attention
	ModeSelfRouteRandom  = "self_route_random"  // E: as D with random rows
	ModeInformer         = "informer"           // F: largest max-minus-mean of the raw dot products, global routing
	ModeLocal            = "local"              // G: 7x7 local attention, local entropy, local routing
	ModeLocalGlobal      = "local_global"       // H: local-entropy selection, global routing
	ModeCUT              = "cut"                // CUT: random positions everywhere
)

// Picker supplies the random choices of the NCE layers, so training draws them from the
// run's RNG and tests inject the reference's.
type Picker interface {
	// RandomIDs are the n sampled positions (of hw) of a random-sampling layer p.
	RandomIDs(p, hw, n int) []int
	// RandomRows are the n selected rows of a random-selection attention layer p.
	RandomRows(p, hw, n int) []int
	// Override returns a fixed selection for a score-ranked layer p, or nil to rank.
	Override(p int) []int
}

// RandomPicker draws every random choice from a seeded RNG, as training does.
type RandomPicker struct{ Rng *rand.Rand }

// RandomIDs are the first n positions of a random permutation of hw.
func (p RandomPicker) RandomIDs(_, hw, n int) []int { return p.Rng.Perm(hw)[:n] }

// RandomRows are drawn like RandomIDs.
func (p RandomPicker) RandomRows(_, hw, n int) []int { return p.Rng.Perm(hw)[:n] }

// Override ranks every score-based layer.
func (p RandomPicker) Override(int) []int { return nil }

// NCEOptions configures the anchors and the ops.PatchNCE loss.
type NCEOptions struct {
	Mode       string
	AllLayers  bool // attention on all five maps, maps 0-2 average-pooled to map 3's grid
	NoPool     bool // with AllLayers: attention on maps 0-2 at their own size
	NumPatches int
	Temp       float32
	Lambda     float32
}

// LayerRecord keeps one layer's intermediate values, for tests and diagnostics.
type LayerRecord struct {
	Score                            []float32
	Sel                              []int
	Attn, AttnTgt                    *tensor.Var
	PooledSrc, PooledTgt             *tensor.Var
	VSrc, VTgt, K, Q, LossRows, Loss *tensor.Var
}

// vars lists the record's tensors.
func (r LayerRecord) vars() []*tensor.Var {
	return []*tensor.Var{r.Attn, r.AttnTgt, r.PooledSrc, r.PooledTgt, r.VSrc, r.VTgt, r.K, r.Q, r.LossRows, r.Loss}
}

// attentionStart is the first list position that uses attention.
func (o NCEOptions) attentionStart(layers int) int {
	switch {
	case o.Mode == ModeCUT:
		return layers
	case o.AllLayers:
		return 0
	}
	return 3
}

// NCE is the ops.PatchNCE loss between the source maps src (real) and the target maps tgt
// (translated): anchors are decided on src and reused on tgt; the loss is the mean over
// layers of λ · mean_rows ops.PatchNCE(q = head(v_tgt), k = stopgrad(head(v_src))). The
// attention rows are not detached, so the loss reaches src through them. rec, if not nil,
// receives one record per layer.
func (f *NetF) NCE(t *tensor.Tape, src, tgt []*tensor.Var, o NCEOptions, pick Picker, rec []LayerRecord) *tensor.Var {
	losses := make([]*tensor.Var, len(src))
	weights := make([]float32, len(src))
	for p := range src {
		var r LayerRecord
		losses[p] = f.nceLayer(t, p, src, tgt, o, pick, &r)
		weights[p] = 1 / float32(len(src))
		if rec != nil {
			rec[p] = r
		}
	}
	return ops.WeightedSum(t, weights, losses...)
}

func (f *NetF) nceLayer(t *tensor.Tape, p int, src, tgt []*tensor.Var, o NCEOptions, pick Picker, r *LayerRecord) *tensor.Var {
	s, g := src[p], tgt[p]
	if o.AllLayers && !o.NoPool && !sameGrid(s, src[3]) {
		s = ops.AdaptiveAvgPool(t, s, src[3].Shape[1], src[3].Shape[2])
		g = ops.AdaptiveAvgPool(t, g, src[3].Shape[1], src[3].Shape[2])
		r.PooledSrc, r.PooledTgt = s, g
	}
	h, w := s.Shape[1], s.Shape[2]
	n := min(o.NumPatches, h*w)
	if p < o.attentionStart(len(src)) {
		ids := pick.RandomIDs(p, h*w, n)
		r.VSrc, r.VTgt = ops.GatherPositions(nil, s, ids), ops.GatherPositions(t, g, ids)
	} else {
		fs, ft := ops.Positions(t, s), ops.Positions(t, g)
		prev := t.Section("attention")
		r.Sel, r.Score = selectAnchors(p, fs, h, w, n, o.Mode, pick)
		r.VSrc, r.VTgt, r.Attn, r.AttnTgt = route(t, fs, ft, h, w, r.Sel, o.Mode)
		t.Section(prev)
	}
	r.K = f.Head(nil, p, r.VSrc).Detached()
	r.Q = f.Head(t, p, r.VTgt)
	r.LossRows = ops.PatchNCE(t, r.Q, r.K, o.Temp)
	r.Loss = ops.Mean(t, r.LossRows, o.Lambda)
	return r.Loss
}

func sameGrid(a, b *tensor.Var) bool { return a.Shape[1] == b.Shape[1] && a.Shape[2] == b.Shape[2] }

// selectAnchors chooses the N anchor positions of an attention layer from the source map.
func selectAnchors(p int, fs *tensor.Var, h, w, n int, mode string, pick Picker) (sel []int, score []float32) {
	switch mode {
	case ModeRandomGlobal, ModeSelfRouteRandom:
		return pick.RandomRows(p, h*w, n), nil
	case ModeLocal, ModeLocalGlobal:
		score = ops.LocalScores(fs, h, w)
	case ModeInformer:
		score = ops.GlobalScores(fs, true)
	case ModeGlobal, ModeEntropyNoRoute, ModeSelfRouteEntropy:
		score = ops.GlobalScores(fs, false)
	default:
		panic(fmt.Sprintf("core: unknown mode %q", mode))
	}
	if sel = pick.Override(p); sel != nil {
		return sel, score
	}
	if mode == ModeInformer {
		return ops.SelectLargest(score, n), score
	}
	return ops.SelectLowest(score, n), score
}

// route builds the source and target vectors of the selected anchors. The source side
// feeds only the detached keys, so it is computed off the tape; the attention rows are on
// the tape because the target side uses them.
func route(t *tensor.Tape, fs, ft *tensor.Var, h, w int, sel []int, mode string) (vs, vt, attn, attnTgt *tensor.Var) {
	switch mode {
	case ModeEntropyNoRoute:
		return ops.GatherRows(nil, fs, sel), ops.GatherRows(t, ft, sel), nil, nil
	case ModeSelfRouteEntropy, ModeSelfRouteRandom:
		attn = ops.GlobalAttentionRows(nil, fs, sel)
		attnTgt = ops.GlobalAttentionRows(t, ft, sel)
		return ops.MatMul(nil, attn, fs), ops.MatMul(t, attnTgt, ft), attn, attnTgt
	case ModeLocal:
		attn = ops.LocalAttentionRows(t, fs, h, w, sel)
		return ops.LocalRoute(nil, attn, fs, h, w, sel), ops.LocalRoute(t, attn, ft, h, w, sel), attn, nil
	}
	attn = ops.GlobalAttentionRows(t, fs, sel) // global routing: global, random_global, informer, local_global
	return ops.MatMul(nil, attn, fs), ops.MatMul(t, attn, ft), attn, nil
}
