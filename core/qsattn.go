package core

import (
	"fmt"
	"math/rand/v2"

	"sweep/ops"
	"sweep/tensor"
	"sweep/vocab"
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
	Mode       vocab.Mode
	AllLayers  bool // attention on all five maps, maps 0-2 average-pooled to map 3's grid
	NoPool     bool // with AllLayers: attention on maps 0-2 at their own size
	NumPatches int
	Temp       float32
	Lambda     float32
}

// LayerRecord keeps one layer's intermediate values, for tests and diagnostics.
type LayerRecord struct {
	Src, Tgt                         *tensor.Var // the layer's maps of the image
	Score                            []float32
	Sel                              []int
	Attn, AttnTgt                    *tensor.Var
	PooledSrc, PooledTgt             *tensor.Var
	VSrc, VTgt, K, Q, LossRows, Loss *tensor.Var
}

// vars lists the record's tensors.
func (r LayerRecord) vars() []*tensor.Var {
	return []*tensor.Var{r.Src, r.Tgt, r.Attn, r.AttnTgt, r.PooledSrc, r.PooledTgt, r.VSrc, r.VTgt, r.K, r.Q, r.LossRows, r.Loss}
}

// attentionStart is the first list position that uses attention.
func (o NCEOptions) attentionStart(layers int) int {
	switch {
	case !o.Mode.Attends():
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
	return f.NCEBatch(t, src, tgt, 1, 0, o, pick, rec)
}

// NCEBatch is NCE for image i of the batches of maps src and tgt, of n images each. Each
// layer's maps of the image are copied out of the batches (ops.Image) only for that layer's
// loss and, unless rec keeps them, given back as soon as it has read them: at crop 256 a
// layer's pair of maps is 67 MB.
func (f *NetF) NCEBatch(t *tensor.Tape, src, tgt []*tensor.Var, n, i int, o NCEOptions, pick Picker, rec []LayerRecord) *tensor.Var {
	losses := make([]*tensor.Var, len(src))
	weights := make([]float32, len(src))
	for p := range src {
		r := LayerRecord{Src: ops.Image(t, src[p], n, i), Tgt: ops.Image(t, tgt[p], n, i)}
		losses[p] = f.nceLayer(t, p, p >= o.attentionStart(len(src)), &r, src[3], o, pick, rec != nil)
		weights[p] = 1 / float32(len(src))
		if rec != nil {
			rec[p] = r
		}
	}
	return ops.WeightedSum(t, weights, losses...)
}

// nceLayer is layer p's NCE loss between r.Src and r.Tgt, by attention or by random
// positions, its intermediate values written to r; grid is a map of the grid that AllLayers
// pools to. keep asks for the attention rows too, which the global routing otherwise does
// not hold, and for the maps: without it they are freed once read.
func (f *NetF) nceLayer(t *tensor.Tape, p int, attend bool, r *LayerRecord, grid *tensor.Var, o NCEOptions, pick Picker, keep bool) *tensor.Var {
	s, g := r.Src, r.Tgt
	done := func(vs ...*tensor.Var) {
		if !keep && t != nil {
			t.Free(vs...)
		}
	}
	if o.AllLayers && !o.NoPool && !sameGrid(s, grid) {
		s = ops.AdaptiveAvgPool(t, s, grid.Shape[1], grid.Shape[2])
		g = ops.AdaptiveAvgPool(t, g, grid.Shape[1], grid.Shape[2])
		done(r.Src, r.Tgt)
		r.PooledSrc, r.PooledTgt = s, g
	}
	h, w := s.Shape[1], s.Shape[2]
	n := min(o.NumPatches, h*w)
	if !attend {
		ids := pick.RandomIDs(p, h*w, n)
		r.VSrc, r.VTgt = ops.GatherPositions(nil, s, ids), ops.GatherPositions(t, g, ids)
		done(s, g)
	} else {
		fs, ft := ops.Positions(t, s), ops.Positions(t, g)
		done(s, g)
		prev := t.Section("attention")
		st := strategyOf(o.Mode)
		r.Sel, r.Score = selectAnchors(p, fs, h, w, n, st, pick)
		t.Mark("scores")
		r.VSrc, r.VTgt, r.Attn, r.AttnTgt = route(t, fs, ft, h, w, r.Sel, st.route, keep)
		t.Section(prev)
	}
	r.K = f.Head(nil, p, r.VSrc).Detached()
	r.Q = f.Head(t, p, r.VTgt)
	r.LossRows = ops.PatchNCE(t, r.Q, r.K, o.Temp)
	r.Loss = ops.Mean(t, r.LossRows, o.Lambda)
	return r.Loss
}

func sameGrid(a, b *tensor.Var) bool { return a.Shape[1] == b.Shape[1] && a.Shape[2] == b.Shape[2] }

// strategy is how a mode that attends picks its anchors and routes the features.
type strategy struct {
	score   func(fs *tensor.Var, h, w int) []float32 // nil: random rows, no scores
	largest bool                                     // select the largest scores, not the lowest
	route   routing
}

// routing is what the selected rows carry into the NCE heads.
type routing int

const (
	globalRoute routing = iota // both domains through the source's global attention rows
	selfRoute                  // each domain through its own global attention rows
	localRoute                 // both domains through the source's local attention
	noRoute                    // the raw features at the selected positions
)

func globalEntropy(fs *tensor.Var, _, _ int) []float32 { return ops.GlobalScores(fs, false) }
func informer(fs *tensor.Var, _, _ int) []float32      { return ops.GlobalScores(fs, true) }

// strategies holds every mode that attends (models A to H); TestEveryModeHasAStrategy keeps
// it complete.
var strategies = map[vocab.Mode]strategy{
	vocab.ModeGlobal:           {score: globalEntropy, route: globalRoute},
	vocab.ModeRandomGlobal:     {route: globalRoute},
	vocab.ModeEntropyNoRoute:   {score: globalEntropy, route: noRoute},
	vocab.ModeSelfRouteEntropy: {score: globalEntropy, route: selfRoute},
	vocab.ModeSelfRouteRandom:  {route: selfRoute},
	vocab.ModeInformer:         {score: informer, largest: true, route: globalRoute},
	vocab.ModeLocal:            {score: ops.LocalScores, route: localRoute},
	vocab.ModeLocalGlobal:      {score: ops.LocalScores, route: globalRoute},
}

// strategyOf is mode's strategy. vocab.ParseMode admits only modes that have one, so a
// miss is a mode made up in code, which is a bug.
func strategyOf(mode vocab.Mode) strategy {
	s, ok := strategies[mode]
	if !ok {
		panic(fmt.Sprintf("core: mode %q has no selection strategy", mode))
	}
	return s
}

// selectAnchors picks n of the h×w positions of layer p by the mode's scores of fs (the
// lowest, or for the informer the largest; the picker may fix them), or at random.
func selectAnchors(p int, fs *tensor.Var, h, w, n int, s strategy, pick Picker) (sel []int, score []float32) {
	if s.score == nil {
		return pick.RandomRows(p, h*w, n), nil
	}
	score = s.score(fs, h, w)
	if sel = pick.Override(p); sel != nil {
		return sel, score
	}
	if s.largest {
		return ops.SelectLargest(score, n), score
	}
	return ops.SelectLowest(score, n), score
}

// route carries the selected rows of the source and target features fs and ft into the NCE
// heads, with the attention rows it used (the global routing's only with keepAttn).
func route(t *tensor.Tape, fs, ft *tensor.Var, h, w int, sel []int, r routing, keepAttn bool) (vs, vt, attn, attnTgt *tensor.Var) {
	switch r {
	case noRoute:
		return ops.GatherRows(nil, fs, sel), ops.GatherRows(t, ft, sel), nil, nil
	case selfRoute:
		attn = ops.GlobalAttentionRows(nil, fs, sel)
		attnTgt = ops.GlobalAttentionRows(t, ft, sel)
		return ops.MatMul(nil, attn, fs), ops.MatMul(t, attnTgt, ft), attn, attnTgt
	case localRoute:
		attn = ops.LocalAttentionRows(t, fs, h, w, sel)
		return ops.LocalRoute(nil, attn, fs, h, w, sel), ops.LocalRoute(t, attn, ft, h, w, sel), attn, nil
	}
	vs, vt, attn = ops.GlobalRoute(t, fs, ft, sel, keepAttn)
	return vs, vt, attn, nil
}
