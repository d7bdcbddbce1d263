package metrics

import (
	"testing"

	"sweep/internal/imagefile"
	"sweep/internal/imagefile/imagetest"
)

// TestReadImageRefusesHugeHeaders: a tiny PNG or JPEG declaring a huge image is refused from
// its header, naming the file, without allocating the image.
func TestReadImageRefusesHugeHeaders(t *testing.T) {
	imagetest.CheckRefused(t, imagefile.ErrTooLarge, func(path string) error {
		_, err := ReadImage(path)
		return err
	})
}

// TestReadLabelPNGRefusesHugeHeaders: the same for ground-truth label images.
func TestReadLabelPNGRefusesHugeHeaders(t *testing.T) {
	imagetest.CheckRefused(t, imagefile.ErrTooLarge, func(path string) error {
		_, _, _, err := ReadLabelPNG(path, LabelAuto)
		return err
	})
}
