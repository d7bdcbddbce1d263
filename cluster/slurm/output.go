package slurm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"

	"sweep/rundir"
)

// follower reads the new complete lines of a job's output file, passing progress lines on.
type follower struct {
	path     string
	off      int64
	progress func(rundir.Progress)
}

func (f *follower) read() {
	file, err := os.Open(f.path)
	if err != nil {
		return // not written yet: the job has not started
	}
	defer file.Close()
	if _, err := file.Seek(f.off, io.SeekStart); err != nil {
		return
	}
	b, _ := io.ReadAll(io.LimitReader(file, 64<<20))
	end := bytes.LastIndexByte(b, '\n')
	if end < 0 {
		return
	}
	for _, line := range bytes.Split(b[:end], []byte("\n")) {
		if p, ok := progressLine(line); ok && f.progress != nil {
			f.progress(p)
		}
	}
	f.off += int64(end + 1)
}

func progressLine(line []byte) (rundir.Progress, bool) {
	var p rundir.Progress
	rest, ok := bytes.CutPrefix(line, []byte(rundir.ProgressPrefix))
	return p, ok && json.Unmarshal(rest, &p) == nil
}

// copyOutput appends the job's output, less its progress lines, to the run's log.
func copyOutput(dir, path string) {
	in, err := os.Open(path)
	if err != nil {
		return
	}
	defer in.Close()
	log, err := os.OpenFile(filepath.Join(dir, rundir.LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer log.Close()
	w := bufio.NewWriter(log)
	defer w.Flush()
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if _, ok := progressLine(sc.Bytes()); !ok {
			w.Write(append(sc.Bytes(), '\n'))
		}
	}
}
