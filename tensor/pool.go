package tensor

import (
	"math/bits"
	"sync"
)

// Pool recycles float32 buffers from one training iteration to the next. An iteration
// allocates the same buffers every time, so once the first one has run the layers allocate
// nothing: next to no garbage to collect, no fresh pages to fault in and clear, and a
// resident size equal to what one iteration holds at once. Buffers are kept by size class (lengths rounded
// up by at most 1/8), so that memory one layer's activations gave back can hold another's
// gradients.
type Pool struct {
	mu    sync.Mutex
	free  map[int][][]float32
	spare []float32 // the scratch buffer, whatever length it was last asked for
}

// Get returns a buffer of length n with undefined contents (zero from a nil pool).
func (p *Pool) Get(n int) []float32 {
	if p == nil {
		return make([]float32, n)
	}
	c := sizeClass(n)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free[c]) == 0 {
		c = p.spareClass(c)
	}
	l := p.free[c]
	if len(l) == 0 {
		return make([]float32, n, c)
	}
	b := l[len(l)-1]
	p.free[c] = l[:len(l)-1]
	return b[:n]
}

// spareClass is the smallest class above c, at most twice its size, with a free buffer, or
// c when there is none. Lending a larger buffer that sits idle costs nothing resident, while
// a fresh one adds to the RSS: on full-size attention maps the attention rows' buffers
// would otherwise stay idle through the generator's backward pass, which asks for other
// sizes. A lent buffer comes back to its own class.
func (p *Pool) spareClass(c int) int {
	best := c
	for k, l := range p.free {
		if len(l) > 0 && k > c && k <= 2*c && (best == c || k < best) {
			best = k
		}
	}
	return best
}

// sizeClass rounds n up to the next m·2^e with m in 8..15: at most 1/8 more.
func sizeClass(n int) int {
	if n <= 16 {
		return n
	}
	shift := bits.Len(uint(n)) - 4
	return (n + 1<<shift - 1) >> shift << shift
}

// Scratch returns a buffer of length n with undefined contents for use inside one op: the
// spare one, grown when too short, so ops of many sizes share one allocation.
func (p *Pool) Scratch(n int) []float32 {
	if p == nil {
		return make([]float32, n)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.spare
	p.spare = nil
	if cap(b) < n {
		// At least one band's worth: the next op's band is likely larger, and a buffer
		// outgrown is garbage.
		return make([]float32, n, max(n, MinScratch))
	}
	return b[:n]
}

// DoneScratch gives back a buffer from Scratch, keeping the longer of it and the spare.
func (p *Pool) DoneScratch(b []float32) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if cap(b) > cap(p.spare) {
		p.spare = b
	}
}

// Put gives b back for reuse; nobody may touch it afterwards (a nil pool drops it).
func (p *Pool) Put(b []float32) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.free == nil {
		p.free = map[int][][]float32{}
	}
	c := cap(b)
	if c != sizeClass(c) {
		return // not from Get: leave it to the garbage collector
	}
	p.free[c] = append(p.free[c], b[:c])
}

// MinScratch is the least length Scratch allocates: one band of the convolutions' column
// buffers (8 MB), so that ops of many sizes share one allocation.
const MinScratch = 1 << 21
