package experiments

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// hostileDeadline bounds how long a hostile file may take to be refused. The inputs below
// take minutes (or gigabytes) under a quadratic parser, well under a second under a linear
// one, so the bound catches a regression without timing anything finer.
const hostileDeadline = 30 * time.Second

func refusedQuickly(t *testing.T, src, want string) {
	t.Helper()
	start := time.Now()
	_, err := Parse("h.toml", []byte(src))
	if took := time.Since(start); took > hostileDeadline {
		t.Errorf("refused after %v, want within %v", took, hostileDeadline)
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}

func numbers(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d,", i)
	}
	return b.String()
}

func TestHostileSweepFiles(t *testing.T) {
	t.Run("axis of more values than a sweep may have runs", func(t *testing.T) {
		refusedQuickly(t, head+"[grid]\nseed = ["+numbers(maxRuns+1)+"]\n", "h.toml:8: grid.seed: the axis has 100001 values")
	})
	t.Run("long axis with a repeat at its end: linear duplicate check", func(t *testing.T) {
		refusedQuickly(t, head+"[grid]\nseed = ["+numbers(90000)+"7]\n", "value 7 repeats value [7]")
	})
	t.Run("long zip with a repeat at its end", func(t *testing.T) {
		refusedQuickly(t, head+"[[zip]]\nseed = ["+numbers(90000)+"7]\ndata_seed = ["+numbers(90000)+"7]\n", "position [90000] of the zip group repeats position [7]")
	})
	t.Run("deeply nested arrays", func(t *testing.T) {
		n := 20000
		refusedQuickly(t, head+"metrics = "+strings.Repeat("[", n)+strings.Repeat("]", n)+"\n", "want an array of strings, got array [[[[...]]]]")
	})
	t.Run("file over the size limit", func(t *testing.T) {
		refusedQuickly(t, head+"description = '''"+strings.Repeat("x", maxFileSize)+"'''\n", "larger than 4 MiB")
	})
	t.Run("seed that wraps with repeats", func(t *testing.T) {
		refusedQuickly(t, "[sweep]\nname = \"x\"\nrepeats = 2\n[base]\nseed = 9223372036854775807\n", "seed 9223372036854775807 + 2 repeats would overflow")
	})
}

// TestRunLimitCountsIncludesOnce: includes add to the grid's points, they do not multiply
// them, so a large grid with a few includes stays within the limit; one run over it is refused.
func TestRunLimitCountsIncludesOnce(t *testing.T) {
	includes := "[[include]]\nngf = 8\n[[include]]\nngf = 12\n"
	s, err := Parse("big.toml", []byte(head+"[grid]\nseed = ["+numbers(40000)+"]\n"+includes))
	if err != nil {
		t.Fatalf("40000 grid points and 2 includes refused: %v", err)
	}
	if len(s.Runs) != 40002 {
		t.Errorf("%d runs, want 40002", len(s.Runs))
	}
	refusedQuickly(t, head+"[grid]\nseed = ["+numbers(maxRuns-1)+"]\n"+includes, "the sweep has more than 100000 runs")
}
