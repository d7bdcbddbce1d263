package slurm

import "testing"

func TestParseState(t *testing.T) {
	st := parseState("JobId=7 JobName=sweep-x-1 JobState=CANCELLED Reason=None Dependency=(null) ExitCode=0:15 RunTime=00:00:03\n")
	if !st.known || st.name != "CANCELLED" || st.reason != "None" || st.exitCode != 0 || !st.ended() {
		t.Errorf("got %+v", st)
	}
	if st := parseState("JobState=PENDING Reason=Resources ExitCode=0:0"); st.ended() {
		t.Errorf("PENDING counted as ended: %+v", st)
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
