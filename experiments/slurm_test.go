package experiments

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestSlurmTable reads every key of [slurm] and [sweep] cluster.
func TestSlurmTable(t *testing.T) {
	src := `[sweep]
name = "s"
cluster = "slurm"
[slurm]
partition = "gpu"
time = "04:00:00"
gpus = "a100:1"
cpus_per_task = 8
mem = "32G"
account = "lab"
qos = "normal"
constraint = "a100&ib"
signal = "B:TERM@300"
extra = ["--exclusive", "--nice=10"]
max_parallel = 16
[base]
crop_size = 32
load_size = 36
queries = 16
`
	sw, err := Parse("s.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Slurm{Partition: "gpu", Time: "04:00:00", GPUs: "a100:1", CPUsPerTask: "8", Mem: "32G", Account: "lab",
		QOS: "normal", Constraint: "a100&ib", Signal: "B:TERM@300", Extra: []string{"--exclusive", "--nice=10"}, MaxParallel: 16}
	if sw.Cluster != "slurm" || !reflect.DeepEqual(sw.Slurm, want) {
		t.Errorf("cluster %q, slurm %+v\nwant slurm, %+v", sw.Cluster, sw.Slurm, want)
	}
}

// TestSlurmTableIntegers: gpus and cpus_per_task take integers too; no table means defaults.
func TestSlurmTableIntegers(t *testing.T) {
	sw, err := Parse("s.toml", []byte(head+"[slurm]\ngpus = 2\ncpus_per_task = \"4\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sw.Slurm.GPUs != "2" || sw.Slurm.CPUsPerTask != "4" {
		t.Errorf("gpus %q, cpus_per_task %q; want 2, 4", sw.Slurm.GPUs, sw.Slurm.CPUsPerTask)
	}
	sw, err = Parse("s.toml", []byte(head))
	if err != nil {
		t.Fatal(err)
	}
	if sw.Cluster != "" || !reflect.DeepEqual(sw.Slurm, Slurm{}) {
		t.Errorf("without [slurm]: cluster %q, slurm %+v; want both empty", sw.Cluster, sw.Slurm)
	}
}

// TestSweepCluster reads each value of [sweep] cluster.
func TestSweepCluster(t *testing.T) {
	for _, c := range Clusters {
		sw, err := Parse("s.toml", []byte("[sweep]\nname = \"s\"\ncluster = \""+c+"\"\n"+head[len("[sweep]\nname = \"bad\"\n"):]))
		if err != nil || sw.Cluster != c {
			t.Errorf("cluster = %q: got %v, %v", c, sw, err)
		}
	}
}

// TestSlurmBadFiles checks the file:line errors of [slurm] and [sweep] cluster; head takes
// lines 1-6, so [slurm] is on line 7 and its first key on line 8.
func TestSlurmBadFiles(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		key, msg  string
	}{
		{"unknown cluster", "[sweep]\nname = \"x\"\ncluster = \"pbs\"\n", 3, "sweep.cluster", `want one of "local", "slurm", got string "pbs"`},
		{"cluster not a string", "[sweep]\nname = \"x\"\ncluster = 1\n", 3, "sweep.cluster", `want one of "local", "slurm", got integer 1`},
		{"slurm as a key of [base]", head + "slurm = 3\n", 7, "base.slurm", `unknown config key "slurm"`},
		{"slurm not a table at the top", "slurm = \"gpu\"\n" + head, 1, "slurm", `must be a table ([slurm]), got string "gpu"`},
		{"unknown key, close", head + "[slurm]\npartiton = \"gpu\"\n", 8, "slurm.partiton", `unknown key "partiton" (did you mean "partition"?)`},
		{"unknown key, far", head + "[slurm]\nnodes = 2\n", 8, "slurm.nodes", "allowed: partition, time, gpus, cpus_per_task, mem, account, qos, constraint, signal, extra, max_parallel"},
		{"time an integer", head + "[slurm]\ntime = 60\n", 8, "slurm.time", "want a string, got integer 60"},
		{"mem a float", head + "[slurm]\nmem = 3.5\n", 8, "slurm.mem", "want a string, got float 3.5"},
		{"gpus a bool", head + "[slurm]\ngpus = true\n", 8, "slurm.gpus", "want a string, got boolean true"},
		{"empty string", head + "[slurm]\npartition = \"\"\n", 8, "slurm.partition", `want a non-empty value without spaces, got ""`},
		{"string with a space", head + "[slurm]\nqos = \"a b\"\n", 8, "slurm.qos", `want a non-empty value without spaces, got "a b"`},
		{"extra a string", head + "[slurm]\nextra = \"--exclusive\"\n", 8, "slurm.extra", `want an array of strings (["--exclusive", "--nice=10"]), got string "--exclusive"`},
		{"extra not an option", head + "[slurm]\nextra = [\"exclusive\"]\n", 8, "slurm.extra", `want sbatch options starting with '-', got string "exclusive"`},
		{"extra of integers", head + "[slurm]\nextra = [1]\n", 8, "slurm.extra", "want sbatch options starting with '-', got integer 1"},
		{"max_parallel zero", head + "[slurm]\naccount = \"a\"\nmax_parallel = 0\n", 9, "slurm.max_parallel", "want a positive integer, got integer 0"},
		{"max_parallel a string", head + "[slurm]\nmax_parallel = \"4\"\n", 8, "slurm.max_parallel", `want a positive integer, got string "4"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.toml", []byte(c.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%v is not an *Error", err)
			}
			if e.File != "bad.toml" || e.Line != c.line || e.Key != c.key || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("got  line %d key %q msg %q\nwant line %d key %q msg containing %q", e.Line, e.Key, e.Msg, c.line, c.key, c.msg)
			}
			if prefix := fmt.Sprintf("bad.toml:%d: %s: ", c.line, c.key); !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("message %q does not start with %q", err.Error(), prefix)
			}
		})
	}
}
