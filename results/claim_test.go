package results

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"sweep/vocab"
)

// deadPID returns the PID of a process of this host that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestClaimIsExclusive: a run claimed by one live runner is refused to another, which is
// told who holds it, and a completed run is not claimed again unless it finished before the
// redo time of a forced rerun.
func TestClaimIsExclusive(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("sw", r); err != nil {
		t.Fatal(err)
	}
	me := Self()
	other := Owner{Host: "elsewhere", PID: 42, Start: "7"}
	if err := s.Claim(r.ID, other, time.Hour, time.Time{}); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	err := s.Claim(r.ID, me, time.Hour, time.Time{})
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), "elsewhere pid 42") {
		t.Fatalf("second claim: %v; want ErrHeld naming the holder", err)
	}
	if got := mustGet(t, s, r.ID); got.Status != vocab.StatusRunning || got.Owner != other {
		t.Errorf("after the refused claim: %s held by %v", got.Status, got.Owner)
	}
	if err := s.Heartbeat(r.ID, me, time.Hour); !errors.Is(err, ErrHeld) {
		t.Errorf("heartbeat of a runner not holding the run: %v", err)
	}
	if err := s.Complete(r.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Claim(r.ID, me, time.Hour, time.Time{}); !errors.Is(err, ErrCompleted) {
		t.Errorf("claim of a completed run: %v; want ErrCompleted", err)
	}
	if err := s.Claim(r.ID, me, time.Hour, time.Now().Add(time.Second)); err != nil {
		t.Errorf("forced claim of a run completed before: %v", err)
	}
}

// TestClaimTakesOverAGoneHolder: a running run is taken over when its holder is gone (a
// dead process of this host, a reused PID, a lapsed lease, no holder at all) or is the
// claimant itself, and is refused while its holder lives and its lease holds.
func TestClaimTakesOverAGoneHolder(t *testing.T) {
	me := Self()
	host := me.Host
	parent, _ := procStart(os.Getppid())
	tests := []struct {
		name   string
		holder Owner
		lease  time.Duration
		taken  bool
	}{
		{"dead process of this host", Owner{Host: host, PID: deadPID(t), Start: "1"}, time.Hour, true},
		{"PID reused by another process", Owner{Host: host, PID: os.Getppid(), Start: parent + "0"}, time.Hour, true},
		{"lapsed lease on another host", Owner{Host: "elsewhere", PID: 42}, -time.Second, true},
		{"no holder (an older runner's mark)", Owner{}, time.Hour, true},
		{"the claimant itself", me, time.Hour, true},
		{"live process of this host", Owner{Host: host, PID: os.Getppid(), Start: parent}, time.Hour, false},
		{"live lease on another host", Owner{Host: "elsewhere", PID: 42}, time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			r := testRun("A", 1)
			if err := s.AddRun("sw", r); err != nil {
				t.Fatal(err)
			}
			if err := s.Claim(r.ID, tt.holder, tt.lease, time.Time{}); err != nil {
				t.Fatal(err)
			}
			err := s.Claim(r.ID, me, time.Hour, time.Time{})
			if tt.taken && err != nil || !tt.taken && !errors.Is(err, ErrHeld) {
				t.Fatalf("claim: %v; want taken = %v", err, tt.taken)
			}
			if got := mustGet(t, s, r.ID); tt.taken && got.Owner != me {
				t.Errorf("held by %v after the takeover", got.Owner)
			}
		})
	}
}

// TestHeartbeatKeepsTheClaim: a claim whose lease would have lapsed holds while its owner
// refreshes it.
func TestHeartbeatKeepsTheClaim(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("sw", r); err != nil {
		t.Fatal(err)
	}
	other := Owner{Host: "elsewhere", PID: 42}
	lease := 100 * time.Millisecond
	if err := s.Claim(r.ID, other, lease, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		time.Sleep(lease / 2)
		if err := s.Heartbeat(r.ID, other, lease); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Claim(r.ID, Self(), time.Hour, time.Time{}); !errors.Is(err, ErrHeld) {
		t.Errorf("claim of a refreshed run: %v; want ErrHeld", err)
	}
	time.Sleep(2 * lease)
	if err := s.Claim(r.ID, Self(), time.Hour, time.Time{}); err != nil {
		t.Errorf("claim after the lease lapsed: %v", err)
	}
}
