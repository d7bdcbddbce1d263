package metrics

import (
	"testing"

	"sweep/internal/imagefile"
)

func TestCHW(t *testing.T) {
	got := chw(&imagefile.RGB{W: 1, H: 1, Pix: []uint8{0, 255, 51}})
	if got[0] != 0 || got[1] != 1 || got[2] != float32(51)/255 {
		t.Errorf("CHW %v", got)
	}
}
