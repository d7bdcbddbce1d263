package official

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sweep/rundir"
)

const header = "================ Training Loss (Mon Jan  1 00:00:00 2024) ================\n"

func lossText(epoch, iters int, g string) string {
	return "(epoch: " + strconv.Itoa(epoch) + ", iters: " + strconv.Itoa(iters) + ", time: 0.123, data: 0.004) G_GAN: 0.871 D_real: 0.250 D_fake: 0.230 G: " + g + " NCE: 1.234 NCE_Y: 1.198 \n"
}

func TestParseLossLine(t *testing.T) {
	s := schedule{itersPerEpoch: 400, epochs: 10}
	p, ok := s.parseLossLine(lossText(3, 200, "2.103"))
	if !ok || p.Iter != 1000 || p.Total != 4000 || p.Phase != "train" {
		t.Fatalf("%+v %v", p, ok)
	}
	want := map[string]float64{"G_GAN": 0.871, "D_real": 0.25, "D_fake": 0.23, "G": 2.103, "NCE": 1.234, "NCE_Y": 1.198, "D": 0.24, "NCE_X": 1.234}
	for k, v := range want {
		if d := p.Losses[k] - v; d > 1e-12 || d < -1e-12 {
			t.Errorf("%s = %v, want %v", k, p.Losses[k], v)
		}
	}
	for _, bad := range []string{header, "", "(epoch: 3, iters: 2", "saving the model"} {
		if _, ok := s.parseLossLine(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	if p, ok := s.parseEndOfEpoch("End of epoch 3 / 400 \t Time Taken: 87 sec"); !ok || p.Iter != 1200 {
		t.Errorf("end of epoch: %+v %v", p, ok)
	}
}

// A resumed launch's lines replace those of the killed one from its start epoch on, and a
// torn line is dropped.
func TestCollectLog(t *testing.T) {
	s := schedule{itersPerEpoch: 4, epochs: 4}
	text := header + lossText(1, 2, "1") + lossText(1, 4, "1") + lossText(2, 2, "1") + lossText(2, 4, "1") +
		lossText(3, 2, "1") + "(epoch: 3, iters: 4, time: 0.1, data: 0.0) G_GAN: 0.8" + // killed mid-line
		header + lossText(3, 2, "2") + lossText(3, 4, "2") + lossText(4, 2, "2") + "(epoch: 4, iters: 4"
	got := s.collectLog(text, 16)
	var iters []int
	for _, p := range got {
		iters = append(iters, p.Iter)
	}
	if want := []int{2, 4, 6, 8, 10, 12, 14}; !slices.Equal(iters, want) {
		t.Fatalf("iterations %v, want %v", iters, want)
	}
	if got[4].Losses["G"] != 2 {
		t.Errorf("iteration 10 from the killed launch: %+v", got[4])
	}
	if n := len(s.collectLog(text, 8)); n != 4 {
		t.Errorf("resumed at epoch 2: %d lines kept, want 4", n)
	}
}

// The follower reads complete lines only and appends each to losses.jsonl once.
func TestFollowerPoll(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "loss_log.txt")
	os.WriteFile(log, []byte(header+lossText(1, 2, "1")+"(epoch: 1, iters: 4"), 0o644)
	var out strings.Builder
	var reported []rundir.Progress
	f := &follower{path: log, sched: schedule{itersPerEpoch: 4, epochs: 1}, losses: &out,
		progress: func(p rundir.Progress) { reported = append(reported, p) }}
	if err := f.poll(); err != nil {
		t.Fatal(err)
	}
	fh, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString(", time: 0.1, data: 0.0) G: 3.5 \n")
	fh.Close()
	if err := f.poll(); err != nil {
		t.Fatal(err)
	}
	if len(reported) != 2 || reported[1].Iter != 4 || reported[1].Losses["G"] != 3.5 || strings.Count(out.String(), "\n") != 2 {
		t.Fatalf("reported %+v, losses %q", reported, out.String())
	}
}
