package core

import (
	"runtime"
	"sync"
)

// parallelFor runs body(i) for i in [0, n) on up to GOMAXPROCS goroutines. Each index is
// one independent piece of work writing its own outputs, so results do not depend on the
// number of goroutines. Small jobs (n·cost below a threshold) run inline.
func parallelFor(n, cost int, body func(i int)) {
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
