package experiments

import (
	"fmt"
	"strings"
)

// Clusters are the values of [sweep] cluster.
var Clusters = []string{"local", "slurm"}

// Slurm is a sweep file's [slurm] table: the sbatch settings of its jobs (see docs/cluster.md).
type Slurm struct {
	Partition, Time, GPUs, CPUsPerTask, Mem, Account, QOS, Constraint string
	Signal                                                            string   // sbatch --signal; "" default, "none" none
	Extra                                                             []string // further sbatch arguments
	MaxParallel                                                       int      // jobs queued or running at once; 0 default
}

// slurmStrings are the [slurm] keys that take a string (gpus and cpus_per_task also an integer).
var slurmStrings = []string{"partition", "time", "gpus", "cpus_per_task", "mem", "account", "qos", "constraint", "signal"}

var slurmKeys = append(append([]string(nil), slurmStrings...), "extra", "max_parallel")

func (p *parser) slurmTable(sp *spec, v any) {
	if v == nil {
		return
	}
	path := []string{"slurm"}
	t, ok := p.table(path, v)
	if !ok {
		return
	}
	for _, k := range p.ordered(path, t) {
		p.slurmKey(&sp.slurm, child(path, k), k, t[k])
	}
}

func (p *parser) slurmKey(s *Slurm, kp []string, k string, v any) {
	switch k {
	case "extra":
		s.Extra = p.stringList(kp, v)
	case "max_parallel":
		n, ok := v.(int64)
		if !ok || n < 1 {
			p.fail(kp, "want a positive integer, got %s %s", tomlType(v), formatTOML(v))
			return
		}
		s.MaxParallel = int(n)
	default:
		dst := s.stringField(k)
		if dst == nil {
			p.fail(kp, "%s", unknownKey("key", k, slurmKeys))
			return
		}
		*dst = p.slurmString(kp, k, v)
	}
}

func (s *Slurm) stringField(k string) *string {
	return map[string]*string{
		"partition": &s.Partition, "time": &s.Time, "gpus": &s.GPUs, "cpus_per_task": &s.CPUsPerTask,
		"mem": &s.Mem, "account": &s.Account, "qos": &s.QOS, "constraint": &s.Constraint, "signal": &s.Signal,
	}[k]
}

func (p *parser) slurmString(kp []string, k string, v any) string {
	switch x := v.(type) {
	case string:
		if x == "" || strings.ContainsAny(x, " \t\n") {
			p.fail(kp, "want a non-empty value without spaces, got %q", x)
		}
		return x
	case int64:
		if k == "gpus" || k == "cpus_per_task" {
			return fmt.Sprint(x)
		}
	}
	p.fail(kp, "want a string, got %s %s", tomlType(v), formatTOML(v))
	return ""
}

func (p *parser) stringList(kp []string, v any) []string {
	list, ok := v.([]any)
	if !ok {
		p.fail(kp, `want an array of strings (["--exclusive", "--nice=10"]), got %s %s`, tomlType(v), formatTOML(v))
		return nil
	}
	var out []string
	for _, e := range list {
		s, ok := e.(string)
		if !ok || !strings.HasPrefix(s, "-") {
			p.fail(kp, "want sbatch options starting with '-', got %s %s", tomlType(e), formatTOML(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}
