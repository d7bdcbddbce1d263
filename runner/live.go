package runner

import (
	"sync"
	"time"

	"sweep/results"
	"sweep/rundir"
)

// DefaultLiveEvery is how often the runner records the progress of its runs in flight in
// the store (one transaction for all of them), for sweep list, show and watch elsewhere.
const DefaultLiveEvery = 2 * time.Second

// liveWriter keeps the latest progress of each run in flight and writes what changed to
// the store every interval. A failed write is given up: the next interval writes newer
// progress, and a run's outcome never depends on it.
type liveWriter struct {
	store *results.Store
	owner results.Owner
	now   func() time.Time

	mu      sync.Mutex
	paces   map[string]*pace
	pending map[string]results.Live

	stop chan struct{}
	wg   sync.WaitGroup
}

// startLive starts writing every interval until close.
func startLive(store *results.Store, owner results.Owner, every time.Duration) *liveWriter {
	w := &liveWriter{store: store, owner: owner, now: time.Now, paces: map[string]*pace{},
		pending: map[string]results.Live{}, stop: make(chan struct{})}
	w.wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
				w.flush(nil)
			}
		}
	})
	return w
}

// progress takes run id's report p.
func (w *liveWriter) progress(id string, p rundir.Progress) {
	w.mu.Lock()
	defer w.mu.Unlock()
	pc := w.paces[id]
	if pc == nil {
		pc = &pace{}
		w.paces[id] = pc
	}
	if p.Total <= 0 && pc.seen { // a phase without iterations (metrics): where training got to stays
		p.Iter, p.Total = pc.last.Iter, pc.last.Total
		if p.Losses == nil {
			p.Losses = pc.last.Losses
		}
	}
	now := w.now()
	pc.observe(p, now)
	eta, ok := pc.eta()
	if !ok {
		eta = -1
	}
	w.pending[id] = results.Live{Iter: p.Iter, Total: p.Total, Phase: p.Phase, Losses: p.Losses, ETA: eta, Updated: now}
}

// done writes run id's last progress now, before its outcome is recorded, and forgets it.
func (w *liveWriter) done(id string) {
	w.flush(&id)
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.paces, id)
}

// flush writes the pending progress: of run *only, or of every run when only is nil.
func (w *liveWriter) flush(only *string) {
	w.mu.Lock()
	batch := map[string]results.Live{}
	for id, l := range w.pending {
		if only == nil || id == *only {
			batch[id] = l
			delete(w.pending, id)
		}
	}
	w.mu.Unlock()
	w.store.SetLive(w.owner, batch)
}

// close stops the writer; progress not yet written is dropped (done wrote each run's last).
func (w *liveWriter) close() {
	close(w.stop)
	w.wg.Wait()
}
