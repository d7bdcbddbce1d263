package preflight

import (
	"fmt"
	"io"
	"os"

	"sweep/config"
	"sweep/runner/command"
	"sweep/vocab"
)

// checkpoint checks that the generator a run evaluates is a readable, non-empty regular file.
func checkpoint(cfg config.Run) []problem {
	if cfg.Checkpoint == "" {
		return nil
	}
	if msg := readableFile(cfg.Checkpoint); msg != "" {
		return []problem{{"checkpoint", "the checkpoint to evaluate " + msg}}
	}
	return nil
}

// readableFile returns what keeps path from being read as a file, or "".
func readableFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("cannot be opened: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return fmt.Sprintf("%s: %v", path, err)
	case st.IsDir():
		return fmt.Sprintf("%s is a folder, not a file", path)
	case !st.Mode().IsRegular():
		return fmt.Sprintf("%s is not a regular file", path)
	}
	if _, err := f.Read(make([]byte, 1)); err == io.EOF {
		return fmt.Sprintf("%s is empty", path)
	} else if err != nil {
		return fmt.Sprintf("%s cannot be read: %v", path, err)
	}
	return ""
}

// templates checks that the command executor's templates name only known placeholders, as
// they are expanded when the run executes (its config values, id, run_dir, gpu).
func templates(cfg config.Run, dir string) []problem {
	if cfg.Executor != vocab.ExecutorCommand {
		return nil
	}
	vars, err := command.Vars(cfg, dir, "")
	if err != nil {
		return []problem{{"command", err.Error()}}
	}
	var ps []problem
	for _, t := range []struct{ key, tmpl string }{{"command", cfg.Command}, {"command_out", cfg.CommandOut}} {
		if _, err := command.Expand(t.tmpl, vars, nil); err != nil {
			ps = append(ps, problem{t.key, err.Error()})
		}
	}
	return ps
}
