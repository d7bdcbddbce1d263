package experiments

// Origin is where a run's value of one config key comes from in the sweep file.
type Origin struct {
	Line int    // the line of the setting; for a default, the line of [base] (0 without one)
	Path string // the setting as errors name it: "base.dataset", "variants.A.mode", "grid.queries[1]", "zip[0].ngf[2]", "include[0].checkpoint"; "" for a default
}

// Default reports whether no table of the file set the key: the run has config.Default()'s value.
func (o Origin) Default() bool { return o.Path == "" }

// Origin returns where Runs[run] got its value of key (a config key such as "metrics" or
// "dataset"): the most specific of its axis values or include keys, its variant and [base]
// that sets it. The key variant is located only where an axis chooses it. A Sweep not made by
// Parse reports every key as a default at line 0.
func (s *Sweep) Origin(run int, key string) Origin {
	if run >= 0 && run < len(s.sets) {
		for _, set := range s.sets[run] {
			for _, st := range set {
				if st.key == key {
					return Origin{Line: s.places.lookup(st.at).line, Path: displayPath(st.at)}
				}
			}
		}
	}
	return Origin{Line: s.places.lookup([]string{"base"}).line}
}
