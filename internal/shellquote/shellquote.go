// Package shellquote makes strings safe to paste into a POSIX shell command line.
package shellquote

import (
	"regexp"
	"strings"
)

var plain = regexp.MustCompile(`^[A-Za-z0-9_./:=,+@%-]+$`)

// Quote returns s as exactly one shell word that the shell reads back as s: unchanged when
// it holds only letters, digits and _./:=,+@%-, else in single quotes, inside which nothing
// is special (newlines included); each single quote of s closes the quotes, is written
// backslash-escaped and reopens them.
func Quote(s string) string {
	if plain.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
