// Package vocab names the values that configurations and records are made of: selection
// modes, attention layers, executors, metric kinds, run statuses and outcomes. Each is a
// string type whose allowed values are listed here once; its Parse refuses any other,
// naming the allowed ones, and its text form (TOML, JSON, SQLite, run IDs) is the string
// itself.
package vocab

import (
	"fmt"
	"slices"
	"strings"
)

// parse returns s as a T when all lists it, else an error naming what and the allowed values.
func parse[T ~string](what string, all []T, s string) (T, error) {
	if slices.Contains(all, T(s)) {
		return T(s), nil
	}
	return "", fmt.Errorf("%s %q is unknown; allowed: %s", what, s, Join(all, ", "))
}

// Join writes the values separated by sep.
func Join[T ~string](values []T, sep string) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, sep)
}

// unmarshal parses text into *dst.
func unmarshal[T ~string](dst *T, what string, all []T, text []byte) error {
	v, err := parse(what, all, string(text))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
