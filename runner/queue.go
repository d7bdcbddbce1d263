package runner

import "sync"

// queue hands tasks to slot workers. A failed task may be put back for a retry, so "empty"
// only means "finished" once no task is in flight.
type queue struct {
	mu       sync.Mutex
	cond     *sync.Cond
	items    []*task
	inflight int
	stopped  bool
}

func newQueue(items []*task) *queue {
	q := &queue{items: items}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// next blocks until a task is available; ok is false once the queue is stopped or drained.
func (q *queue) next() (t *task, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.stopped && len(q.items) == 0 && q.inflight > 0 {
		q.cond.Wait()
	}
	if q.stopped || len(q.items) == 0 {
		return nil, false
	}
	t, q.items = q.items[0], q.items[1:]
	q.inflight++
	return t, true
}

// done ends a task taken with next; again puts it back at the end of the queue (where, after
// a stop, left finds it).
func (q *queue) done(t *task, again bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inflight--
	if again {
		q.items = append(q.items, t)
	}
	q.cond.Broadcast()
}

// stop makes next return false from now on; tasks in flight still finish.
func (q *queue) stop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stopped = true
	q.cond.Broadcast()
}

// left returns the tasks waiting in the queue.
func (q *queue) left() []*task {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]*task(nil), q.items...)
}
