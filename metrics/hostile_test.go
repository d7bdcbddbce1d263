package metrics

import (
	"testing"

	"sweep/internal/imagefile"
	"sweep/internal/imagefile/imagetest"
)

// TestReadLabelPNGRefusesHugeHeaders: the same for ground-truth label images.
func TestReadLabelPNGRefusesHugeHeaders(t *testing.T) {
	imagetest.CheckRefused(t, imagefile.ErrTooLarge, func(path string) error {
		_, _, _, err := ReadLabelPNG(path, LabelAuto)
		return err
	})
}
