package vocab

import (
	"slices"
	"strings"
)

// Metric is a metric kind a run can compute. The values it records are named after it:
// "fid"; "swd_avg", "swd_64"; "seg_miou"; "gt_background_l1".
type Metric string

const (
	MetricSWD Metric = "swd" // sliced Wasserstein distance of Laplacian pyramids
	MetricFID Metric = "fid" // Fréchet Inception distance
	MetricSeg Metric = "seg" // segmentation scores of the translations
	MetricGT  Metric = "gt"  // distance to the ideal translations of a built-in dataset
)

var metrics = []Metric{MetricSWD, MetricFID, MetricSeg, MetricGT}

// Metrics lists every metric kind.
func Metrics() []Metric { return slices.Clone(metrics) }

// ParseMetric returns the metric kind named s.
func ParseMetric(s string) (Metric, error) { return parse("metric", metrics, s) }

// MetricOf is the kind that records a value named name ("swd_avg" is swd), or "" for a name
// of no kind.
func MetricOf(name string) Metric {
	for _, k := range metrics {
		if name == string(k) || strings.HasPrefix(name, string(k)+"_") {
			return k
		}
	}
	return ""
}

func (m Metric) String() string { return string(m) }

func (m Metric) MarshalText() ([]byte, error) { return []byte(m), nil }

func (m *Metric) UnmarshalText(b []byte) error { return unmarshal(m, "metric", metrics, b) }

// Status is a run's state in the results database.
type Status string

const (
	StatusPending     Status = "pending"
	StatusRunning     Status = "running"
	StatusCompleted   Status = "completed"
	StatusFailed      Status = "failed"
	StatusInterrupted Status = "interrupted"
)

var statuses = []Status{StatusPending, StatusRunning, StatusCompleted, StatusFailed, StatusInterrupted}

// Statuses lists every run status.
func Statuses() []Status { return slices.Clone(statuses) }

// ParseStatus returns the status named s.
func ParseStatus(s string) (Status, error) { return parse("status", statuses, s) }

func (s Status) String() string { return string(s) }

func (s Status) MarshalText() ([]byte, error) { return []byte(s), nil }

func (s *Status) UnmarshalText(b []byte) error { return unmarshal(s, "status", statuses, b) }

// Outcome is how one attempt of a run ended, as a sweep's display is told.
type Outcome string

const (
	OutcomeCompleted   Outcome = "completed"
	OutcomeFailed      Outcome = "failed"
	OutcomeRetrying    Outcome = "retrying" // failed, and will be tried again
	OutcomeInterrupted Outcome = "interrupted"
	OutcomeBusy        Outcome = "busy" // another process holds the run
)

var outcomes = []Outcome{OutcomeCompleted, OutcomeFailed, OutcomeRetrying, OutcomeInterrupted, OutcomeBusy}

// Outcomes lists every outcome.
func Outcomes() []Outcome { return slices.Clone(outcomes) }

// ParseOutcome returns the outcome named s.
func ParseOutcome(s string) (Outcome, error) { return parse("outcome", outcomes, s) }

func (o Outcome) String() string { return string(o) }

func (o Outcome) MarshalText() ([]byte, error) { return []byte(o), nil }

func (o *Outcome) UnmarshalText(b []byte) error { return unmarshal(o, "outcome", outcomes, b) }
