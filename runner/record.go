package runner

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sweep/results"
	"sweep/rundir"
)

// tailLines is how many of the log's last lines a failed run records.
const tailLines = 20

// readLosses reads dir's losses.jsonl. A resumed run may have logged an iteration twice; the
// later value wins. A line that is not JSON is a torn write of a killed attempt (at the end,
// or in the middle where the resumed attempt appended after the fragment) and is dropped:
// losses are a log of the run, not its result, and a torn line must not lose the run.
func readLosses(dir string) ([]results.Loss, error) {
	path := filepath.Join(dir, rundir.LossesFile)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type key struct {
		iter int
		name string
	}
	byKey := map[key]float64{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		var p rundir.Progress
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &p) != nil {
			continue
		}
		for name, v := range p.Losses {
			byKey[key{p.Iter, name}] = v
		}
	}
	losses := make([]results.Loss, 0, len(byKey))
	for k, v := range byKey {
		losses = append(losses, results.Loss{Iter: k.iter, Name: k.name, Value: v})
	}
	slices.SortFunc(losses, func(a, b results.Loss) int {
		return cmp.Or(cmp.Compare(a.Iter, b.Iter), strings.Compare(a.Name, b.Name))
	})
	return losses, nil
}

// logTail returns the last n lines of dir's log.
func logTail(dir string, n int) string {
	f, err := os.Open(filepath.Join(dir, rundir.LogFile))
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		f.Seek(st.Size()-window, io.SeekStart)
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), window+1)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
