package core

import (
	"math/rand/v2"
	"time"

	"sweep/ops"
	"sweep/tensor"
)

// Options are the model and loss settings of a QS-Attn / CUT model.
type Options struct {
	NGF, NDF, NBlocks, NetFNC int
	NCE                       NCEOptions
	LambdaGAN                 float32
	NCEIdt                    bool // identity NCE on real B
	Beta1, Beta2              float64
	Conv                      ops.ConvOptions // how every network's convolutions compute
}

// Model holds the three networks and their optimizers.
type Model struct {
	Opt                 Options
	G                   *Generator
	D                   *Discriminator
	F                   *NetF
	AdamG, AdamD, AdamF *Adam
	// Profile, when not nil, receives the time of every iteration per section: generator,
	// discriminator, nce, attention and optimizer.
	Profile tensor.Profile
	// Ops, when not nil, receives the time and matrix-product work of every op.
	Ops *tensor.OpProfile
	// KeepRecords keeps each Step's NCE feature maps and per-layer records (X, Y: anchors,
	// attention rows, head outputs), and D's gradients, until the next iteration, for tests
	// and diagnostics. Without it they are nil after the step, their tensors go back to the
	// pool as soon as the backward pass is past them (D's gradients after D's update), and
	// the global routing does not hold its attention rows at all (ops.GlobalRoute).
	KeepRecords bool
	pool        *tensor.Pool   // every iteration's tensors, recycled by the next one (nil: heap)
	tapes       []*tensor.Tape // the last iteration's tapes, whose tensors its Step still shows
}

// NewModel builds G, D and F with xavier-normal(0.02) weights drawn from rng (in that order),
// or zero weights for loading when rng is nil.
// netF's heads are sized from the generator's feature channels, which is what the
// reference's data-dependent initialization amounts to.
func NewModel(o Options, rng *rand.Rand) *Model {
	m := &Model{
		Opt:  o,
		G:    NewGenerator(o.NGF, o.NBlocks),
		D:    NewDiscriminator(o.NDF),
		F:    NewNetF(FeatureChannels(o.NGF), o.NetFNC),
		pool: &tensor.Pool{},
	}
	for _, n := range m.Nets() {
		n.Conv = o.Conv
		for _, p := range n.Params {
			p.UsePool(m.pool)
		}
	}
	if rng != nil {
		for _, n := range []*Net{&m.G.Net, &m.D.Net, &m.F.Net} {
			n.InitXavier(rng, 0.02)
		}
	}
	m.AdamG, m.AdamD, m.AdamF = NewAdam(o.Beta1, o.Beta2), NewAdam(o.Beta1, o.Beta2), NewAdam(o.Beta1, o.Beta2)
	return m
}

// Nets names the three networks as in checkpoints: "G", "D", "F".
func (m *Model) Nets() map[string]*Net {
	return map[string]*Net{"G": &m.G.Net, "D": &m.D.Net, "F": &m.F.Net}
}

// Step is everything one training iteration computed.
type Step struct {
	FakeB, IdtB                     *tensor.Var
	FeatsRealA, FeatsFakeB          []*tensor.Var // nil unless Model.KeepRecords
	PredFakeD, PredRealD, PredFakeG *tensor.Var
	LossDFake, LossDReal, LossD     float32
	LossGGAN, NCEX, NCEY, LossG     float32
	X, Y                            []LayerRecord // nil unless Model.KeepRecords
}

// Losses returns the step's losses by name, for logging.
func (s *Step) Losses() map[string]float64 {
	return map[string]float64{"D": float64(s.LossD), "G": float64(s.LossG), "G_GAN": float64(s.LossGGAN),
		"NCE_X": float64(s.NCEX), "NCE_Y": float64(s.NCEY)}
}

// Iteration is one training step in the official order: fake = G(A), idt = G(B); a D step
// on the detached fake; then G and F on LSGAN + NCE with the updated, frozen D. pickX and
// pickY supply the random choices of the two NCE directions. The tensors of the returned Step
// are valid until the next call: that one recycles them.
// As in the official trainer, G runs on A and B as one batch (its real = cat(A, B)), and so
// do the NCE's encoder passes on fake and idt B and the D step's passes on fake and real B,
// on images of up to batchMaxPixels: each image computes what it would alone, and the
// products get twice the columns.
func (m *Model) Iteration(realA, realB *tensor.Var, pickX, pickY Picker, lr float64) *Step {
	for _, t := range m.tapes {
		t.Release()
	}
	m.tapes = m.tapes[:0]
	s := &Step{}
	for _, n := range m.Nets() {
		n.dropGrads()
	}
	t := m.newTape("generator")
	images := []*tensor.Var{realA}
	if m.Opt.NCEIdt {
		images = append(images, realB)
	}
	real := batchesOf(t, images)
	outs, featsReal := make([]*tensor.Var, len(real.x)), make([][]*tensor.Var, len(real.x))
	for k, x := range real.x {
		outs[k], featsReal[k] = m.G.ForwardBatch(t, x, real.n, false)
	}
	s.FakeB = real.image(t, outs, 0)
	if m.Opt.NCEIdt {
		s.IdtB = real.image(t, outs, 1)
	}
	m.stepD(s, realB, lr)
	m.D.SetTrainable(false)
	defer m.D.SetTrainable(true)
	t.Section("discriminator")
	s.PredFakeG = m.D.Forward(t, s.FakeB)
	gan := ops.MSEToConst(t, s.PredFakeG, 1)
	t.Section("generator")
	featsOut := make([][]*tensor.Var, len(outs))
	for k, out := range outs {
		_, featsOut[k] = m.G.ForwardBatch(t, out, real.n, true)
	}
	t.Section("nce")
	var nceX, nceY *tensor.Var
	nceX, s.FeatsRealA, s.FeatsFakeB, s.X = m.nce(t, real, featsReal, featsOut, 0, pickX)
	lossG := ops.WeightedSum(t, []float32{m.Opt.LambdaGAN, 1}, gan, nceX)
	if m.Opt.NCEIdt {
		nceY, _, _, s.Y = m.nce(t, real, featsReal, featsOut, 1, pickY)
		lossG = ops.WeightedSum(t, []float32{m.Opt.LambdaGAN, 0.5, 0.5}, gan, nceX, nceY)
		s.NCEY = nceY.Data[0]
	}
	t.Keep(s.FakeB, s.IdtB, s.PredFakeG, gan, nceX)
	for _, r := range append(s.X, s.Y...) {
		t.Keep(r.vars()...)
	}
	t.Backward(lossG)
	m.timed("optimizer", func() {
		m.AdamG.Update(&m.G.Net, lr)
		m.AdamF.Update(&m.F.Net, lr)
	})
	s.LossGGAN, s.NCEX, s.LossG = m.Opt.LambdaGAN*gan.Data[0], nceX.Data[0], lossG.Data[0]
	return s
}

// batchMaxPixels is the largest image that goes through the networks batched with
// another. On larger maps the products are wide enough alone, and a batch's gradient
// buffers, twice an image's, raise the peak memory: at crop 256 with attention on every
// full-size map, 2248 MB batched against 1937 alone.
var batchMaxPixels = 128 * 128 // a variable for the test that compares both ways

// batches are images as the batches a network runs on: all in one batch (n of them) where
// they are small enough, else one batch each (n = 1).
type batches struct {
	x []*tensor.Var
	n int
}

// batchesOf stacks the images, all of one shape, into one batch if they are small enough.
func batchesOf(t *tensor.Tape, images []*tensor.Var) batches {
	if len(images) == 1 || images[0].Shape[1]*images[0].Shape[2] > batchMaxPixels {
		return batches{images, 1}
	}
	return batches{[]*tensor.Var{ops.Stack(t, images...)}, len(images)}
}

// at is which batch holds image k, and its index there.
func (b batches) at(k int) (batch, i int) {
	if b.n == 1 {
		return k, 0
	}
	return 0, k
}

// image is image k of the network outputs ys, one per batch.
func (b batches) image(t *tensor.Tape, ys []*tensor.Var, k int) *tensor.Var {
	batch, i := b.at(k)
	return ops.Image(t, ys[batch], b.n, i)
}

// nce is the NCE loss between image k's feature maps src and tgt (one list per batch of
// b), with the image's maps and the layers' records when the model keeps them.
func (m *Model) nce(t *tensor.Tape, b batches, src, tgt [][]*tensor.Var, k int, pick Picker) (loss *tensor.Var, s, g []*tensor.Var, rec []LayerRecord) {
	batch, i := b.at(k)
	rec = m.records(len(src[batch]))
	loss = m.F.NCEBatch(t, src[batch], tgt[batch], b.n, i, m.Opt.NCE, pick, rec)
	for _, r := range rec {
		s, g = append(s, r.Src), append(g, r.Tgt)
	}
	return loss, s, g, rec
}

// records is room for n layers' NCE records when the model keeps them, else nil.
func (m *Model) records(n int) []LayerRecord {
	if !m.KeepRecords {
		return nil
	}
	return make([]LayerRecord, n)
}

// stepD trains D on LSGAN: 0.5·(mse(D(fake), 0) + mse(D(real), 1)), with fake detached.
func (m *Model) stepD(s *Step, realB *tensor.Var, lr float64) {
	t := m.newTape("discriminator")
	in := batchesOf(t, []*tensor.Var{s.FakeB.Detached(), realB})
	preds := make([]*tensor.Var, len(in.x))
	for k, x := range in.x {
		preds[k] = m.D.ForwardBatch(t, x, in.n)
	}
	s.PredFakeD, s.PredRealD = in.image(t, preds, 0), in.image(t, preds, 1)
	fake, real := ops.MSEToConst(t, s.PredFakeD, 0), ops.MSEToConst(t, s.PredRealD, 1)
	loss := ops.WeightedSum(t, []float32{0.5, 0.5}, fake, real)
	t.Keep(s.PredFakeD, s.PredRealD, fake, real)
	t.Backward(loss)
	m.timed("optimizer", func() { m.AdamD.Update(&m.D.Net, lr) })
	if !m.KeepRecords {
		m.D.dropGrads() // D is frozen for the G step: its gradients' memory can serve G's backward pass
	}
	s.LossDFake, s.LossDReal, s.LossD = fake.Data[0], real.Data[0], loss.Data[0]
}

// newTape starts a tape in the given section, profiled when m.Profile is set.
func (m *Model) newTape(section string) *tensor.Tape {
	t := tensor.NewTape(m.pool)
	m.tapes = append(m.tapes, t)
	if m.Profile != nil {
		t.Profile(m.Profile)
	}
	t.ProfileOps(m.Ops)
	t.Section(section)
	return t
}

// timed runs f and charges its time to section when profiling.
func (m *Model) timed(section string, f func()) {
	start := time.Now()
	f()
	if m.Profile != nil {
		m.Profile[section] += time.Since(start)
	}
	if m.Ops != nil {
		m.Ops.Mark(section)
	}
}
