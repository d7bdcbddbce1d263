package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"sweep/config"
	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

func TestParseDevices(t *testing.T) {
	procs2 := "GOMAXPROCS=" + strconv.Itoa(max(1, runtime.NumCPU()/2))
	tests := []struct {
		spec    string
		names   []string
		gpus    []string
		env0    []string
		wantErr string
	}{
		{spec: "cpu:1", names: []string{"cpu:0"}, gpus: []string{""}},
		{spec: "cpu:2", names: []string{"cpu:0", "cpu:1"}, gpus: []string{"", ""},
			env0: []string{procs2, "CUDA_VISIBLE_DEVICES=", "SWEEP_GPU="}},
		{spec: "gpu:0,3", names: []string{"gpu:0", "gpu:3"}, gpus: []string{"0", "3"},
			env0: []string{procs2, "CUDA_VISIBLE_DEVICES=0", "SWEEP_GPU=0"}},
		{spec: "gpu:1", names: []string{"gpu:1"}, gpus: []string{"1"}},
		{spec: "cpu:0", wantErr: "positive integer"},
		{spec: "cpu:x", wantErr: "positive integer"},
		{spec: "gpu:0,0", wantErr: "listed twice"},
		{spec: "gpu:a", wantErr: "non-negative integer"},
		{spec: "gpu:", wantErr: "want cpu:N"},
		{spec: "tpu:1", wantErr: `unknown kind "tpu"`},
		{spec: "4", wantErr: "want cpu:N"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			slots, err := ParseDevices(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names, gpus []string
			for _, s := range slots {
				names, gpus = append(names, s.Name), append(gpus, s.GPU)
			}
			if !reflect.DeepEqual(names, tt.names) || !reflect.DeepEqual(gpus, tt.gpus) {
				t.Errorf("slots %v %v, want %v %v", names, gpus, tt.names, tt.gpus)
			}
			if tt.env0 != nil && !reflect.DeepEqual(slots[0].Env, tt.env0) {
				t.Errorf("env %v, want %v", slots[0].Env, tt.env0)
			}
		})
	}
}

func TestReadLosses(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []results.Loss
		wantErr string
	}{
		{name: "missing", content: "-", want: nil},
		{name: "plain", content: `{"iter":1,"total":4,"losses":{"G":2,"D":1}}` + "\n" + `{"iter":2,"total":4,"losses":{"G":1.5}}` + "\n",
			want: []results.Loss{{Iter: 1, Name: "D", Value: 1}, {Iter: 1, Name: "G", Value: 2}, {Iter: 2, Name: "G", Value: 1.5}}},
		{name: "resumed run logs an iteration twice, the later wins",
			content: `{"iter":2,"losses":{"G":9}}` + "\n" + `{"iter":1,"losses":{"G":1}}` + "\n" + `{"iter":2,"losses":{"G":2}}` + "\n",
			want:    []results.Loss{{Iter: 1, Name: "G", Value: 1}, {Iter: 2, Name: "G", Value: 2}}},
		{name: "torn last line", content: `{"iter":1,"losses":{"G":1}}` + "\n" + `{"iter":2,"los`,
			want: []results.Loss{{Iter: 1, Name: "G", Value: 1}}},
		{name: "torn line inside: a killed attempt's fragment, then the resumed attempt's lines",
			content: `{"iter":1,"losses":{"G":1}}` + "\n" + `{"iter":2,"lo{"iter":2,"losses":{"G":5}}` + "\n" + `{"iter":3,"losses":{"G":3}}` + "\n",
			want:    []results.Loss{{Iter: 1, Name: "G", Value: 1}, {Iter: 3, Name: "G", Value: 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.content != "-" {
				os.WriteFile(filepath.Join(dir, rundir.LossesFile), []byte(tt.content), 0o644)
			}
			got, err := readLosses(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && !reflect.DeepEqual(got, tt.want)) {
				t.Errorf("losses = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLogTail(t *testing.T) {
	dir := t.TempDir()
	var sb strings.Builder
	for i := range 30000 { // more than the 64 KiB window
		sb.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	os.WriteFile(filepath.Join(dir, rundir.LogFile), []byte(sb.String()), 0o644)
	lines := strings.Split(logTail(dir, 3), "\n")
	if want := []string{"line 29997", "line 29998", "line 29999"}; !reflect.DeepEqual(lines, want) {
		t.Errorf("tail = %q, want %q", lines, want)
	}
	if got := logTail(t.TempDir(), 3); got != "" {
		t.Errorf("tail of a missing log = %q", got)
	}
}

func TestLineWriter(t *testing.T) {
	var log bytes.Buffer
	var got []rundir.Progress
	w := &lineWriter{log: &log, progress: func(p rundir.Progress) { got = append(got, p) }}
	// Lines arrive split across writes; a malformed progress line is kept in the log.
	for _, chunk := range []string{"hel", "lo\n@progress {\"iter\":3,\"tot", "al\":9,\"losses\":{\"G\":0.5}}\n@progress {bad\nlast"} {
		w.Write([]byte(chunk))
	}
	w.flush()
	if want := "hello\n@progress {bad\nlast\n"; log.String() != want {
		t.Errorf("log = %q, want %q", log.String(), want)
	}
	want := []rundir.Progress{{Iter: 3, Total: 9, Losses: map[string]float64{"G": 0.5}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("progress = %v, want %v", got, want)
	}
}

func TestQueueRetryAndStop(t *testing.T) {
	a, b := &task{Planned: Planned{ID: "a"}}, &task{Planned: Planned{ID: "b"}}
	q := newQueue([]*task{a, b})
	t1, _ := q.next()
	t2, _ := q.next()
	if t1 != a || t2 != b {
		t.Fatalf("order %v %v", t1.ID, t2.ID)
	}
	got := make(chan *task)
	go func() { t3, _ := q.next(); got <- t3 }() // blocks: empty, but tasks in flight
	q.done(b, false)
	q.done(a, true) // a comes back for a retry
	if t3 := <-got; t3 != a {
		t.Fatalf("retry gave %v", t3)
	}
	q.done(a, false)
	if _, ok := q.next(); ok {
		t.Fatal("drained queue handed out a task")
	}
	q2 := newQueue([]*task{a, b})
	q2.stop()
	if _, ok := q2.next(); ok || len(q2.left()) != 2 {
		t.Fatalf("stopped queue: ok=%v left=%d", ok, len(q2.left()))
	}
}

func TestPlanLabelsAndDuplicates(t *testing.T) {
	a := config.Default()
	a.Variant = "A"
	b := a
	b.Variant, b.Mode, b.Queries = "B", "random_global", 64
	plan, err := Plan([]config.Run{a, b, a}, "runs")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 2 {
		t.Fatalf("%d runs planned, want 2 (a duplicate config is one run)", len(plan))
	}
	if plan[0].Label != "A mode=global queries=256" || plan[1].Label != "B mode=random_global queries=64" {
		t.Errorf("labels %q, %q", plan[0].Label, plan[1].Label)
	}
	if plan[0].ID != plan[0].Key.ID() || !reflect.DeepEqual(plan[0].Key.Config, a.Identity()) || filepath.Base(plan[0].Dir) != plan[0].ID || !filepath.IsAbs(plan[0].Dir) {
		t.Errorf("run 0: ID %s dir %s", plan[0].ID, plan[0].Dir)
	}
	var out bytes.Buffer
	PrintPlan(&out, "s", plan, map[string]vocab.Status{plan[0].ID: vocab.StatusCompleted}, false)
	if s := out.String(); !strings.Contains(s, plan[0].ID+"  A        done") || !strings.Contains(s, "2 runs, 1 done, 1 to run") {
		t.Errorf("plan:\n%s", s)
	}
}

func TestBoardETA(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newBoard(4, 1, 2)
	b.now = func() time.Time { return now }
	b.start(RunInfo{ID: "x"})
	b.progress("x", rundir.Progress{Iter: 10, Total: 110})
	now = now.Add(10 * time.Second)
	f := b.progress("x", rundir.Progress{Iter: 20, Total: 110})
	if e, ok := f.eta(); !ok || e != 90*time.Second {
		t.Errorf("run ETA %v %v, want 1m30s", e, ok)
	}
	if _, ok := b.overallETA(); ok {
		t.Error("overall ETA without a finished run")
	}
	b.finish(RunInfo{ID: "x"}, vocab.OutcomeCompleted) // took 10s
	// 2 runs waiting at 10s each over 2 slots.
	if e, ok := b.overallETA(); !ok || e != 10*time.Second {
		t.Errorf("overall ETA %v %v, want 10s", e, ok)
	}
	if s := b.summary(); s != "2/4 done" {
		t.Errorf("summary %q", s)
	}
}

func TestCPUModel(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cpuinfo")
	os.WriteFile(p, []byte("processor\t: 0\nvendor_id\t: X\nmodel name\t: Test CPU @ 3GHz\n\nmodel name\t: other\n"), 0o644)
	if got := cpuModel(p); got != "Test CPU @ 3GHz" {
		t.Errorf("cpu = %q", got)
	}
}

func TestTermReporterRedrawsBars(t *testing.T) {
	var out bytes.Buffer
	r := NewTermReporter(&out, func() int { return 60 }, 2, 0, 1).(*termReporter)
	now := time.Unix(1000, 0)
	r.mu.Lock()
	r.now = func() time.Time { return now }
	r.mu.Unlock()
	info := RunInfo{ID: "abc", Label: "A queries=64 attn_layers=all_unpooled seed=3", Device: "cpu:0", Attempt: 1}
	r.Start(info)
	r.Progress("abc", rundir.Progress{Iter: 4, Total: 10, Losses: map[string]float64{"G": 0.25}})
	now = now.Add(time.Second)
	r.Progress("abc", rundir.Progress{Iter: 5, Total: 10, Losses: map[string]float64{"G": 0.25}})
	r.mu.Lock()
	r.redraw("")
	r.mu.Unlock()
	r.Finish(info, vocab.OutcomeCompleted, "swd_avg=1.2")
	r.Close()
	s := out.String()
	for _, want := range []string{
		"cpu:0  [##########----------] 5/10 ETA 5s abc A queries=64 ", // the run's bar, cut at 60 columns
		"\x1b[2A\x1b[J", // bars erased before a redraw
		"completed   abc A queries=64 attn_layers=all_unpooled seed=3 on cpu:0", // the finish scrolls above the bars
		"sweep  [##########----------] 1/2 done",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%q", want, s)
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if i := strings.LastIndex(line, "\x1b[J"); !strings.Contains(line, "completed") && len(line)-max(0, i+3) >= 60 {
			t.Errorf("bar not clipped to the width: %q", line)
		}
	}
}
