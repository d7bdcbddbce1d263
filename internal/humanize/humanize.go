// Package humanize formats values for progress lines.
package humanize

import "time"

// Duration rounds d for display: to the minute from an hour, to the second from a minute,
// else to a tenth of a second.
func Duration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= time.Minute:
		return d.Round(time.Second).String()
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}
