package runner

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// Slot is one place a child runs: a share of the CPUs or one GPU.
type Slot struct {
	Name string   // "cpu:0", "gpu:3": recorded as the run's device
	GPU  string   // the GPU index for gpu slots, "" for cpu slots
	Env  []string // added to the child's environment
}

// ParseDevices turns a --devices value into slots: "cpu:N" gives N CPU slots whose children
// each get GOMAXPROCS = max(1, NumCPU/N) and no visible GPU; "gpu:0,1" gives one slot per GPU
// whose child sees only that GPU through CUDA_VISIBLE_DEVICES.
func ParseDevices(spec string) ([]Slot, error) {
	kind, list, ok := strings.Cut(strings.TrimSpace(spec), ":")
	if !ok || list == "" {
		return nil, fmt.Errorf("devices %q: want cpu:N or gpu:I,J,...", spec)
	}
	switch kind {
	case "cpu":
		return cpuSlots(spec, list)
	case "gpu":
		return gpuSlots(spec, list)
	}
	return nil, fmt.Errorf("devices %q: unknown kind %q; allowed: cpu, gpu", spec, kind)
}

func cpuSlots(spec, count string) ([]Slot, error) {
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("devices %q: cpu slot count %q must be a positive integer", spec, count)
	}
	procs := strconv.Itoa(max(1, runtime.NumCPU()/n))
	slots := make([]Slot, n)
	for i := range slots {
		slots[i] = Slot{
			Name: "cpu:" + strconv.Itoa(i),
			Env:  []string{"GOMAXPROCS=" + procs, "CUDA_VISIBLE_DEVICES=", "SWEEP_GPU="},
		}
	}
	return slots, nil
}

func gpuSlots(spec, list string) ([]Slot, error) {
	var slots []Slot
	seen := map[string]bool{}
	ids := strings.Split(list, ",")
	procs := strconv.Itoa(max(1, runtime.NumCPU()/len(ids)))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if n, err := strconv.Atoi(id); err != nil || n < 0 {
			return nil, fmt.Errorf("devices %q: GPU index %q must be a non-negative integer", spec, id)
		}
		if seen[id] {
			return nil, fmt.Errorf("devices %q: GPU %s is listed twice", spec, id)
		}
		seen[id] = true
		slots = append(slots, Slot{
			Name: "gpu:" + id,
			GPU:  id,
			Env:  []string{"GOMAXPROCS=" + procs, "CUDA_VISIBLE_DEVICES=" + id, "SWEEP_GPU=" + id},
		})
	}
	return slots, nil
}
