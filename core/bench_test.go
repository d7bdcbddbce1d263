package core

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sweep/internal/tensortest"
	"sweep/vocab"
)

func benchOptions(ngf, queries int, mode vocab.Mode) Options {
	return Options{NGF: ngf, NDF: ngf, NBlocks: 9, NetFNC: 256,
		NCE:       NCEOptions{Mode: mode, NumPatches: queries, Temp: 0.07, Lambda: 1},
		LambdaGAN: 1, NCEIdt: true, Beta1: 0.5, Beta2: 0.999}
}

// BenchmarkIteration times one full training iteration (D step, G and F steps) at the
// reference benchmark configurations: batch 1, 9 blocks, netF 256.
func BenchmarkIteration(b *testing.B) {
	for _, c := range []struct {
		crop, ngf, queries int
		mode               vocab.Mode
	}{{64, 64, 256, vocab.ModeGlobal}, {64, 64, 256, vocab.ModeCUT}, {128, 64, 256, vocab.ModeGlobal}, {48, 16, 64, vocab.ModeGlobal}} {
		b.Run(fmt.Sprintf("crop%d-ngf%d-%s-q%d", c.crop, c.ngf, c.mode, c.queries), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			m := NewModel(benchOptions(c.ngf, c.queries, c.mode), rng)
			a, bb := tensortest.RandVar(rng, 1, 3, c.crop, c.crop), tensortest.RandVar(rng, 1, 3, c.crop, c.crop)
			pick := RandomPicker{rng}
			m.Iteration(a, bb, pick, pick, 2e-4) // warm-up
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Iteration(a, bb, pick, pick, 2e-4)
			}
		})
	}
}
