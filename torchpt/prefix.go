package torchpt

import (
	"fmt"
	"strings"
)

// DataParallelPrefix starts every key of a state_dict saved from a network wrapped in
// torch.nn.DataParallel (the official QS-Attn code saves its nets so when trained without a
// GPU, --gpu_ids -1).
const DataParallelPrefix = "module."

// TrimDataParallel returns ts with the DataParallel prefix cut from every name when every
// name has it, and ts unchanged when none has. A mix is an error naming a key of each kind.
func TrimDataParallel(ts []Tensor) ([]Tensor, error) {
	var with, without string
	for _, t := range ts {
		if strings.HasPrefix(t.Name, DataParallelPrefix) {
			with = t.Name
		} else {
			without = t.Name
		}
		if with != "" && without != "" {
			return nil, fmt.Errorf("some keys have the DataParallel prefix %q (%s) and some do not (%s): not one network's state_dict", DataParallelPrefix, with, without)
		}
	}
	if with == "" {
		return ts, nil
	}
	out := make([]Tensor, len(ts))
	for i, t := range ts {
		t.Name = strings.TrimPrefix(t.Name, DataParallelPrefix)
		out[i] = t
	}
	return out, nil
}
