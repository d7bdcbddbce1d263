package slurm

import "testing"

func TestParseSqueue(t *testing.T) {
	m := parseSqueue("7|CANCELLED|None|15|/r/a|b-%j.out|\n8|FAILED|NonZeroExitCode|768|\n9|PENDING|Resources|0|/r/s-%j.out|\n\n")
	if st := m["7"]; !st.known || st.name != "CANCELLED" || st.reason != "None" || st.exitCode != 0 || !st.ended() {
		t.Errorf("7: %+v", st)
	}
	if st := m["8"]; st.name != "FAILED" || st.exitCode != 3 || !st.ended() {
		t.Errorf("8: %+v, want FAILED, exit 3", st)
	}
	if st := m["7"]; st.output != "/r/a|b-%j.out" {
		t.Errorf("7: output %q, want /r/a|b-%%j.out", st.output)
	}
	if st := m["9"]; st.ended() || st.reason != "Resources" || st.output != "/r/s-%j.out" {
		t.Errorf("PENDING counted as ended: %+v", st)
	}
	if len(m) != 3 {
		t.Errorf("%d jobs parsed, want 3", len(m))
	}
}

func TestScriptQuotes(t *testing.T) {
	got := quote("/a b/it's")
	if got != `'/a b/it'\''s'` {
		t.Errorf("quote = %s", got)
	}
	if JobName("my sweep", "abc") != "sweep-my_sweep-abc" {
		t.Errorf("JobName = %s", JobName("my sweep", "abc"))
	}
}
