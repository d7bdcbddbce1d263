package core

import "sync"

// Pool recycles float32 buffers by length from one training iteration to the next. An
// iteration allocates the same buffers every time, so once the first one has run nothing is
// allocated at all: no garbage to collect, no fresh pages to fault in and clear, and a
// resident size equal to what one iteration holds at once.
type Pool struct {
	mu    sync.Mutex
	free  map[int][][]float32
	spare []float32 // the scratch buffer, whatever length it was last asked for
}

// get returns a buffer of length n with undefined contents.
func (p *Pool) get(n int) []float32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.free[n]
	if len(l) == 0 {
		return make([]float32, n)
	}
	b := l[len(l)-1]
	p.free[n] = l[:len(l)-1]
	return b
}

// scratch returns a buffer of length n with undefined contents for use inside one op: the
// spare one, grown when too short, so ops of many sizes share one allocation.
func (p *Pool) scratch(n int) []float32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.spare
	p.spare = nil
	if cap(b) < n {
		// At least one band's worth: the next op's band is likely larger, and a buffer
		// outgrown is garbage.
		return make([]float32, n, max(n, maxColFloats))
	}
	return b[:n]
}

// doneScratch gives back a buffer from scratch, keeping the longer of it and the spare.
func (p *Pool) doneScratch(b []float32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cap(b) > cap(p.spare) {
		p.spare = b
	}
}

// put gives b back for reuse; nobody may touch it afterwards.
func (p *Pool) put(b []float32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.free == nil {
		p.free = map[int][][]float32{}
	}
	p.free[len(b)] = append(p.free[len(b)], b)
}
