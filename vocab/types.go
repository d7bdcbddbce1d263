package vocab

import "slices"

// Mode is an anchor-selection mode of the attention layers, named after the paper's
// ablation models.
type Mode string

// The modes. A new one is added here and in modes, and implemented in core.
const (
	ModeGlobal           Mode = "global"             // A: lowest-entropy rows, global routing
	ModeRandomGlobal     Mode = "random_global"      // B: random rows, global routing
	ModeEntropyNoRoute   Mode = "entropy_noroute"    // C: lowest-entropy positions, raw features
	ModeSelfRouteEntropy Mode = "self_route_entropy" // D: each domain routed by its own attention
	ModeSelfRouteRandom  Mode = "self_route_random"  // E: as D with random rows
	ModeInformer         Mode = "informer"           // F: largest max-minus-mean of the dot products
	ModeLocal            Mode = "local"              // G: 7x7 local attention and routing
	ModeLocalGlobal      Mode = "local_global"       // H: local-entropy selection, global routing
	ModeCUT              Mode = "cut"                // CUT: random positions, no attention
)

var (
	modes         = []Mode{ModeGlobal, ModeRandomGlobal, ModeEntropyNoRoute, ModeSelfRouteEntropy, ModeSelfRouteRandom, ModeInformer, ModeLocal, ModeLocalGlobal, ModeCUT}
	officialModes = []Mode{ModeGlobal, ModeLocal, ModeLocalGlobal, ModeCUT} // QS-Attn's --QS_mode values, and CUT
)

// Modes lists every mode, models A to H, then CUT.
func Modes() []Mode { return slices.Clone(modes) }

// OfficialModes lists the modes the official code has.
func OfficialModes() []Mode { return slices.Clone(officialModes) }

// ParseMode returns the mode named s.
func ParseMode(s string) (Mode, error) { return parse("mode", modes, s) }

func (m Mode) String() string { return string(m) }

// Attends reports whether the mode selects anchors by attention; CUT samples them at random.
func (m Mode) Attends() bool { return m != ModeCUT }

// Official reports whether the official code has the mode.
func (m Mode) Official() bool { return slices.Contains(officialModes, m) }

func (m Mode) MarshalText() ([]byte, error) { return []byte(m), nil }

func (m *Mode) UnmarshalText(b []byte) error { return unmarshal(m, "mode", modes, b) }

// Layers chooses the feature maps the attention works on.
type Layers string

const (
	LayersLast2       Layers = "last2"        // the official code's: maps 3 and 4
	LayersAll         Layers = "all"          // all five, maps 0-2 pooled to map 3's grid (paper Table 4)
	LayersAllUnpooled Layers = "all_unpooled" // all five at their own sizes
)

var layers = []Layers{LayersLast2, LayersAll, LayersAllUnpooled}

// AllLayers lists every choice of layers.
func AllLayers() []Layers { return slices.Clone(layers) }

// ParseLayers returns the layers choice named s.
func ParseLayers(s string) (Layers, error) { return parse("attn_layers", layers, s) }

func (l Layers) String() string { return string(l) }

func (l Layers) MarshalText() ([]byte, error) { return []byte(l), nil }

func (l *Layers) UnmarshalText(b []byte) error { return unmarshal(l, "attn_layers", layers, b) }

// Executor is what runs a run.
type Executor string

const (
	ExecutorBuiltin  Executor = "builtin"  // the built-in training core
	ExecutorCommand  Executor = "command"  // a shell command template
	ExecutorOfficial Executor = "official" // the official PyTorch QS-Attn / CUT code, driven by sweep
)

var executors = []Executor{ExecutorBuiltin, ExecutorCommand, ExecutorOfficial}

// Executors lists every executor.
func Executors() []Executor { return slices.Clone(executors) }

// ParseExecutor returns the executor named s.
func ParseExecutor(s string) (Executor, error) { return parse("executor", executors, s) }

func (e Executor) String() string { return string(e) }

func (e Executor) MarshalText() ([]byte, error) { return []byte(e), nil }

func (e *Executor) UnmarshalText(b []byte) error { return unmarshal(e, "executor", executors, b) }
