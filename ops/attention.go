package ops

import (
	"math"
	"sort"

	"sweep/linalg"
	"sweep/tensor"
	"sweep/vec"
)

// Positions turns a feature map x [C,H,W] into the position-major matrix F [H·W, C]
// (row l = y·W + x), the layout every anchor operation works in.
func Positions(t *tensor.Tape, x *tensor.Var) *tensor.Var {
	c, l := x.Shape[0], x.Shape[1]*x.Shape[2]
	y := t.Empty(l, c)
	transpose(x.Data, c, l, y.Data)
	t.Record(y, positionsBack{x.GradOnly(), c, l}, x)
	return y
}

// positionsBack is dx += dyᵀ.
type positionsBack struct {
	x    tensor.GradOf
	c, l int
}

func (s positionsBack) Backward(dy []float32) {
	dx, c, l := s.x.Buf(), s.c, s.l
	transposeBlocks(c, l, func(r0, r1, col int) {
		for ci := r0; ci < r1; ci++ {
			dx[ci*l+col] += dy[col*c+ci]
		}
	})
}

// transpose writes dst [cols, rows] = srcᵀ for src [rows, cols].
func transpose(src []float32, rows, cols int, dst []float32) {
	transposeBlocks(rows, cols, func(r0, r1, c int) {
		for r := r0; r < r1; r++ {
			dst[c*rows+r] = src[r*cols+c]
		}
	})
}

// transposeBlocks calls f(r0, r1, c) for every column c of a [rows, cols] matrix and every
// block [r0, r1) of transposeBlock rows, block by block in parallel: within a block the
// rows' elements of one column are adjacent in the transpose, and the block's rows of the
// source stay in the cache while its columns are walked.
func transposeBlocks(rows, cols int, f func(r0, r1, c int)) {
	tensor.ParallelFor((rows+transposeBlock-1)/transposeBlock, transposeBlock*cols, func(b int) {
		r0, r1 := b*transposeBlock, min(rows, (b+1)*transposeBlock)
		for c := range cols {
			f(r0, r1, c)
		}
	})
}

const transposeBlock = 16

// GatherPositions picks the feature vectors at positions ids of x [C,H,W] into [n,C]:
// GatherRows(Positions(x), ids) without transposing the whole map.
func GatherPositions(t *tensor.Tape, x *tensor.Var, ids []int) *tensor.Var {
	c, l := x.Shape[0], x.Shape[1]*x.Shape[2]
	y := t.Empty(len(ids), c)
	tensor.ParallelFor(c, len(ids), func(ci int) {
		plane := x.Data[ci*l : (ci+1)*l]
		for i, id := range ids {
			y.Data[i*c+ci] = plane[id]
		}
	})
	t.Record(y, gatherPositionsBack{x.GradOnly(), ids, c, l}, x)
	return y
}

// gatherPositionsBack scatters dy's rows back onto the positions ids of every plane of dx.
type gatherPositionsBack struct {
	x    tensor.GradOf
	ids  []int
	c, l int
}

func (s gatherPositionsBack) Backward(dy []float32) {
	dx, c, l := s.x.Buf(), s.c, s.l
	tensor.ParallelFor(c, len(s.ids), func(ci int) {
		plane := dx[ci*l : (ci+1)*l]
		for i, id := range s.ids {
			plane[id] += dy[i*c+ci]
		}
	})
}

// GatherRows picks rows ids of f [L,C] into [n,C]; backward scatters them back.
func GatherRows(t *tensor.Tape, f *tensor.Var, ids []int) *tensor.Var {
	c := f.Shape[1]
	y := t.Zeros(len(ids), c)
	for i, id := range ids {
		copy(y.Data[i*c:(i+1)*c], f.Data[id*c:(id+1)*c])
	}
	t.Record(y, gatherRowsBack{f.GradOnly(), ids, c}, f)
	return y
}

// gatherRowsBack is df[ids[i]] += dy[i].
type gatherRowsBack struct {
	f   tensor.GradOf
	ids []int
	c   int
}

func (s gatherRowsBack) Backward(dy []float32) {
	df, c := s.f.Buf(), s.c
	for i, id := range s.ids {
		vec.Add(df[id*c:(id+1)*c], dy[i*c:(i+1)*c])
	}
}

// MatMul is the product a [N,K] · b [K,M]; backward da = dy bᵀ, db = aᵀ dy.
func MatMul(t *tensor.Tape, a, b *tensor.Var) *tensor.Var {
	n, k, m := a.Shape[0], a.Shape[1], b.Shape[1]
	y := t.Zeros(n, m)
	linalg.Gemm(false, false, n, m, k, 1, a.Data, b.Data, 0, y.Data)
	t.Record(y, matMulBack{a, b}, a, b)
	return y
}

// matMulBack is da += dy bᵀ, db += aᵀ dy.
type matMulBack struct{ a, b *tensor.Var }

func (s matMulBack) Backward(dy []float32) {
	a, b := s.a, s.b
	n, k, m := a.Shape[0], a.Shape[1], b.Shape[1]
	if a.NeedsGrad {
		linalg.Gemm(false, true, n, k, m, 1, dy, b.Data, 1, a.GradBuf())
	}
	if b.NeedsGrad {
		linalg.Gemm(true, false, k, m, n, 1, a.Data, dy, 1, b.GradBuf())
	}
}

// softmaxRowsInPlace turns each row of x [n,m] into its softmax (max-shifted, in float32
// as PyTorch does on the CPU).
func softmaxRowsInPlace(x []float32, n, m int) {
	tensor.ParallelFor(n, 8*m, func(r int) {
		row := x[r*m : (r+1)*m]
		mx := row[0]
		for _, v := range row {
			mx = max(mx, v)
		}
		vec.ExpShifted(row, row, mx)
		var s float32
		for _, e := range row {
			s += e
		}
		inv := 1 / s
		for j := range row {
			row[j] *= inv
		}
	})
}

// softmaxRowsBackward turns da into the gradient through a = softmax(s) row-wise, in
// place: ds = a ⊙ (da - Σ_j da_j a_j). The attention rows on a full-size map are as large
// as the map, so a second buffer of that size would be held at the backward pass's peak.
func softmaxRowsBackward(a, da []float32, n, m int) {
	for r := 0; r < n; r++ {
		ar, dar := a[r*m:(r+1)*m], da[r*m:(r+1)*m]
		var dot float64
		for j, v := range ar {
			dot += float64(v) * float64(dar[j])
		}
		for j, v := range ar {
			dar[j] = v * (dar[j] - float32(dot))
		}
	}
}

// GlobalAttentionRows returns the selected rows of the global attention of f [L,C]:
// A[n,:] = softmax_j(f[sel_n] · f[j]) with raw dot products (no scaling), as [N,L].
// Only these rows are built, since only they carry gradient. Backward, with
// dS = softmax backward of dA: df[sel_n] += dS[n,:] f, df += dSᵀ f[sel].
func GlobalAttentionRows(t *tensor.Tape, f *tensor.Var, sel []int) *tensor.Var {
	fs := selectedRows(f, sel)
	a := t.Zeros(len(sel), f.Shape[0])
	attentionRows(fs, f, a.Data)
	t.Record(a, globalAttentionBack{f, a, fs, sel}, f)
	return a
}

// selectedRows copies the rows sel of f [L,C] into [N,C].
func selectedRows(f *tensor.Var, sel []int) []float32 {
	c := f.Shape[1]
	fs := make([]float32, len(sel)*c)
	for i, id := range sel {
		copy(fs[i*c:(i+1)*c], f.Data[id*c:(id+1)*c])
	}
	return fs
}

// attentionRows writes a [N,L] = softmax_j(fs[n] · f[j]) for the selected rows fs [N,C] of
// f [L,C].
func attentionRows(fs []float32, f *tensor.Var, a []float32) {
	l, c, n := f.Shape[0], f.Shape[1], len(fs)/f.Shape[1]
	linalg.Gemm(false, true, n, l, c, 1, fs, f.Data, 0, a)
	softmaxRowsInPlace(a, n, l)
}

// globalAttentionBack is, with dS the softmax backward of dA, df[sel_n] += dS[n,:] f and
// df += dSᵀ f[sel], from the attention a, f and its selected rows fs.
type globalAttentionBack struct {
	f, a *tensor.Var
	fs   []float32
	sel  []int
}

func (s globalAttentionBack) Backward(da []float32) {
	attentionRowsBackward(s.f, s.fs, s.sel, s.a.Data, da)
}

// attentionRowsBackward adds to f's gradient the gradient through a = attentionRows(fs, f)
// from da, which it overwrites with dS, the softmax backward of da: df[sel_n] += dS[n,:] f
// and df += dSᵀ fs.
func attentionRowsBackward(f *tensor.Var, fs []float32, sel []int, a, da []float32) {
	l, c, n := f.Shape[0], f.Shape[1], len(sel)
	softmaxRowsBackward(a, da, n, l)
	ds, df := da, f.GradBuf()
	dfs := make([]float32, n*c)
	linalg.Gemm(false, false, n, c, l, 1, ds, f.Data, 0, dfs)
	for i, id := range sel {
		vec.Add(df[id*c:(id+1)*c], dfs[i*c:(i+1)*c])
	}
	linalg.Gemm(true, false, l, c, n, 1, ds, fs, 1, df)
}

// GlobalRoute carries the selected positions through the source's global attention rows
// A = GlobalAttentionRows(fs, sel) [N,L]: vt = A·ft is MatMul(A, ft), and vs = A·fs, which
// takes no gradient (it feeds the NCE's detached keys). The op keeps fs[sel] instead of A
// and its backward pass recomputes A, bit for bit: A is as large as the feature map, and on
// full-size maps every layer's rows would otherwise be held from the forward pass to the
// backward (325 MB at crop 256 with attention on all five maps). With keepAttn it returns A.
func GlobalRoute(t *tensor.Tape, fs, ft *tensor.Var, sel []int, keepAttn bool) (vs, vt, attn *tensor.Var) {
	l, c, n := fs.Shape[0], fs.Shape[1], len(sel)
	fsel := selectedRows(fs, sel)
	a := t.Empty(n, l) // the products below overwrite a, vs and vt (beta 0)
	routeBlocks(n, l, func(r0, r1 int) { attentionRows(fsel[r0*c:r1*c], fs, a.Data[r0*l:r1*l]) })
	vs, vt = t.Empty(n, c), t.Empty(n, c)
	linalg.Gemm(false, false, n, c, l, 1, a.Data, fs.Data, 0, vs.Data)
	linalg.Gemm(false, false, n, c, l, 1, a.Data, ft.Data, 0, vt.Data)
	t.Record(vt, globalRouteBack{fs, ft, fsel, sel, t.Pool()}, fs, ft)
	if keepAttn {
		return vs, vt, a
	}
	t.Free(a)
	return vs, vt, nil
}

// globalRouteBack recomputes A and runs MatMul's backward pass and then
// GlobalAttentionRows's: dA = dvt ftᵀ, dft += Aᵀ dvt, then attentionRowsBackward.
type globalRouteBack struct {
	fs, ft *tensor.Var
	fsel   []float32
	sel    []int
	pool   *tensor.Pool
}

func (s globalRouteBack) Backward(dvt []float32) {
	l, c, n := s.fs.Shape[0], s.fs.Shape[1], len(s.sel)
	rows := routeBlockRows(n, l)
	a := s.pool.Get(rows * l)
	defer s.pool.Put(a)
	var da []float32
	if s.fs.NeedsGrad {
		da = s.pool.Get(rows * l)
		defer s.pool.Put(da)
	}
	routeBlocks(n, l, func(r0, r1 int) {
		nb, fsel, dv := r1-r0, s.fsel[r0*c:r1*c], dvt[r0*c:r1*c]
		attentionRows(fsel, s.fs, a[:nb*l])
		if s.fs.NeedsGrad {
			linalg.Gemm(false, true, nb, l, c, 1, dv, s.ft.Data, 0, da[:nb*l])
		}
		if s.ft.NeedsGrad {
			linalg.Gemm(true, false, l, c, nb, 1, a[:nb*l], dv, 1, s.ft.GradBuf())
		}
		if s.fs.NeedsGrad {
			attentionRowsBackward(s.fs, fsel, s.sel[r0:r1], a[:nb*l], da[:nb*l])
		}
	})
}

// routeBlockFloats bounds the attention rows the global routing's backward pass recomputes
// at once: A and dA of all 256 queries on a full-size map would be 134 MB at crop 256.
const routeBlockFloats = 1 << 21

// routeBlockRows is how many of n attention rows of length l a block holds.
func routeBlockRows(n, l int) int { return max(1, min(n, routeBlockFloats/l)) }

// routeBlocks calls f for consecutive blocks [r0, r1) of n attention rows of length l. The
// forward pass computes the rows in the same blocks as the backward pass, so that the
// recomputed rows are the forward's bit for bit.
func routeBlocks(n, l int, f func(r0, r1 int)) {
	rows := routeBlockRows(n, l)
	for r0 := 0; r0 < n; r0 += rows {
		f(r0, min(n, r0+rows))
	}
}

// scoreRowBlock is how many attention rows are scored at once: memory O(block·L), not O(L²)
// (35 MB at crop 256 with attention on the full-size maps).
const scoreRowBlock = 128

// GlobalScores scores every position l of f [L,C] by its attention row softmax_j(f_l · f_j):
// the entropy Σ_j a_lj (-log a_lj) (terms with a = 0 count 0), or with informer the
// Informer measure max_j S_lj - mean_j S_lj of the raw dot products. No gradient.
func GlobalScores(f *tensor.Var, informer bool) []float32 {
	l, c := f.Shape[0], f.Shape[1]
	scores := make([]float32, l)
	buf := make([]float32, min(scoreRowBlock, l)*l)
	for r0 := 0; r0 < l; r0 += scoreRowBlock {
		nr := min(scoreRowBlock, l-r0)
		s := buf[:nr*l]
		linalg.Gemm(false, true, nr, l, c, 1, f.Data[r0*c:(r0+nr)*c], f.Data, 0, s)
		tensor.ParallelFor(nr, 4*l, func(r int) {
			row := s[r*l : (r+1)*l]
			if informer {
				scores[r0+r] = informerScore(row)
			} else {
				scores[r0+r] = softmaxEntropy(row)
			}
		})
	}
	return scores
}

// entropyBlock is how many exponentials softmaxEntropy computes at once (vec.ExpShifted)
// before summing them in order.
const entropyBlock = 256

// softmaxEntropy is the entropy of softmax(s) for the logits s in two passes and one
// logarithm per row: with e = exp(s - max) and Z = Σe, a = e/Z and
// H = -Σ a log a = log Z - Σ e·(s - max) / Z. A row that is one-hot in float32 has
// Z = 1 and Σ e·(s - max) = 0, so its entropy is exactly 0, as it is in PyTorch.
func softmaxEntropy(s []float32) float32 {
	mx := s[0]
	for _, v := range s {
		mx = max(mx, v)
	}
	var z float32
	var ed float64
	var buf [entropyBlock]float32
	for lo := 0; lo < len(s); lo += entropyBlock {
		blk := s[lo:min(len(s), lo+entropyBlock)]
		es := buf[:len(blk)]
		vec.ExpShifted(es, blk, mx)
		for i, v := range blk {
			z += es[i]
			ed += float64(es[i]) * float64(v-mx)
		}
	}
	return float32(math.Log(float64(z)) - ed/float64(z))
}

// entropy is Σ a (-log a) with the 0·log 0 = 0 convention.
func entropy(a []float32) float32 {
	var h float32
	for _, v := range a {
		if v > 0 {
			h += v * float32(-math.Log(float64(v)))
		}
	}
	return h
}

func informerScore(row []float32) float32 {
	mx := row[0]
	var s float32
	for _, v := range row {
		mx = max(mx, v)
		s += v
	}
	return mx - s/float32(len(row))
}

// SelectLowest returns the positions of the n lowest scores in ascending order; equal
// scores keep ascending position order (a stable sort).
func SelectLowest(scores []float32, n int) []int {
	return selectBy(scores, n, func(a, b float32) bool { return a < b })
}

// SelectLargest returns the positions of the n largest scores in descending order, ties by position.
func SelectLargest(scores []float32, n int) []int {
	return selectBy(scores, n, func(a, b float32) bool { return a > b })
}

func selectBy(scores []float32, n int, before func(a, b float32) bool) []int {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return before(scores[order[i]], scores[order[j]]) })
	return order[:n]
}
