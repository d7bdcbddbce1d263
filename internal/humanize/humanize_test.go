package humanize

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1234 * time.Millisecond:                      "1.2s",
		75*time.Second + 600*time.Millisecond:        "1m16s",
		2*time.Hour + 3*time.Minute + 40*time.Second: "2h4m0s",
		0: "0s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
