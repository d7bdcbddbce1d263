package tensor

import (
	"runtime"
	"sync"
)

// ParallelFor runs body(i) for i in [0, n) on up to GOMAXPROCS goroutines. Each index is
// one independent piece of work writing its own outputs, so results do not depend on the
// number of goroutines. Small jobs (n·cost below a threshold) run inline.
func ParallelFor(n, cost int, body func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n*cost < 1<<16 {
		for i := 0; i < n; i++ {
			body(i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				body(i)
			}
		}()
	}
	wg.Wait()
}

// ClearParallel zeroes b, in parallel when it is large.
func ClearParallel(b []float32) {
	Chunks(len(b), func(lo, hi int) { clear(b[lo:hi]) })
}

// chunkSize is the element count of one piece of an elementwise operation.
const chunkSize = 1 << 15

// Chunks runs body over [0, n) in fixed pieces of chunkSize elements, in parallel.
func Chunks(n int, body func(lo, hi int)) {
	ParallelFor((n+chunkSize-1)/chunkSize, chunkSize, func(i int) {
		body(i*chunkSize, min(n, (i+1)*chunkSize))
	})
}
