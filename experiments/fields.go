package experiments

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"sweep/config"
)

// kind is the TOML shape a config.Run field accepts.
type kind int

const (
	kindInt kind = iota
	kindFloat
	kindString
	kindBool
	kindStrings
)

var kindNames = [...]string{"an integer", "a number", "a string", "a boolean", "an array of strings"}

// field is one settable key of config.Run, with the TOML shape it accepts.
type field struct {
	config.Field
	kind kind
}

// Keys that a sweep file may not set: repeat is derived from [sweep] repeats.
const (
	keyVariant = "variant"
	keyRepeat  = "repeat"
)

var fields, fieldNames = runFields()

// runFields lists config.Run's keys with the shape each accepts.
func runFields() (map[string]field, []string) {
	m := map[string]field{}
	var names []string
	for _, f := range config.Fields() {
		m[f.Key] = field{Field: f, kind: kindOf(f.Type)}
		names = append(names, f.Key)
	}
	slices.Sort(names)
	return m, names
}

func kindOf(t reflect.Type) kind {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return kindInt
	case reflect.Float64:
		return kindFloat
	case reflect.String:
		return kindString
	case reflect.Bool:
		return kindBool
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return kindStrings
		}
	}
	panic("experiments: config.Run field of unsupported type " + t.String())
}

// convert checks a decoded TOML value against the field's shape and returns it normalized
// (int64, float64, string, bool or []string), or a message saying what was expected.
func (f field) convert(v any) (any, string) {
	bad := func() (any, string) {
		return nil, fmt.Sprintf("want %s, got %s %s", kindNames[f.kind], tomlType(v), formatTOML(v))
	}
	switch f.kind {
	case kindInt:
		if n, ok := v.(int64); ok {
			return n, ""
		}
	case kindFloat:
		switch n := v.(type) {
		case float64:
			return n, ""
		case int64:
			return float64(n), ""
		}
	case kindString:
		if s, ok := v.(string); ok {
			return s, ""
		}
	case kindBool:
		if b, ok := v.(bool); ok {
			return b, ""
		}
	case kindStrings:
		return convertStrings(v, bad)
	}
	return bad()
}

func convertStrings(v any, bad func() (any, string)) (any, string) {
	list, ok := v.([]any)
	if !ok {
		return bad()
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return bad()
		}
		out[i] = s
	}
	return out, ""
}

// set stores a converted value in the run.
func (f field) set(r *config.Run, v any) {
	dst := f.Addr(r)
	switch x := v.(type) {
	case int64:
		dst.SetInt(x)
	case float64:
		dst.SetFloat(x)
	case string:
		dst.SetString(x)
	case bool:
		dst.SetBool(x)
	case []string:
		list := reflect.MakeSlice(dst.Type(), len(x), len(x))
		for i, e := range x {
			list.Index(i).SetString(e)
		}
		dst.Set(list)
	}
}

// get reads the field in the same normalized form convert returns.
func (f field) get(r config.Run) any {
	v := f.Get(r)
	switch f.kind {
	case kindInt:
		return v.Int()
	case kindFloat:
		return v.Float()
	case kindString:
		return v.String()
	case kindBool:
		return v.Bool()
	}
	list := make([]string, v.Len())
	for i := range list {
		list[i] = v.Index(i).String()
	}
	return list
}

// sameValue compares two normalized values.
func sameValue(a, b any) bool {
	if as, ok := a.([]string); ok {
		bs, ok := b.([]string)
		return ok && slices.Equal(as, bs)
	}
	return a == b
}

// valueKey is a text that two normalized values share exactly when sameValue holds for them,
// so duplicates are found with a map in linear time.
func valueKey(v any) string {
	switch v := v.(type) {
	case []string:
		return "L" + strings.Join(v, "\x00") + "\x00" + strconv.Itoa(len(v))
	case float64:
		if v == 0 {
			v = 0 // -0 == 0
		}
		return "F" + strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprintf("%T %v", v, v)
}

func tomlType(v any) string {
	switch v.(type) {
	case int64:
		return "integer"
	case float64:
		return "float"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	}
	return "datetime"
}

// formatTOML writes a value the way it would appear in a TOML file.
func formatTOML(v any) string {
	var b strings.Builder
	writeTOML(&b, v, 0)
	if b.Len() > maxShown {
		return b.String()[:maxShown] + "…"
	}
	return b.String()
}

// maxShown bounds a value quoted in a message; arrays deeper than maxShownDepth show as [...],
// so that a hostile value costs its size to show, not its size squared.
const (
	maxShown      = 200
	maxShownDepth = 3
)

func writeTOML(b *strings.Builder, v any, depth int) {
	switch x := v.(type) {
	case string:
		b.WriteString(strconv.Quote(x))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case []string:
		writeList(b, len(x), depth, func(i int) { b.WriteString(strconv.Quote(x[i])) })
	case []any:
		writeList(b, len(x), depth, func(i int) { writeTOML(b, x[i], depth+1) })
	case map[string]any, []map[string]any:
		b.WriteString("{...}")
	default:
		fmt.Fprint(b, v)
	}
}

func writeList(b *strings.Builder, n, depth int, elem func(i int)) {
	if depth >= maxShownDepth {
		b.WriteString("[...]")
		return
	}
	b.WriteByte('[')
	for i := 0; i < n && b.Len() <= maxShown; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		elem(i)
	}
	b.WriteByte(']')
}

// unknownKey explains a key that is not allowed, suggesting the closest allowed one.
func unknownKey(what, key string, allowed []string) string {
	msg := fmt.Sprintf("unknown %s %q", what, key)
	if s := closest(key, allowed); s != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + "; allowed: " + strings.Join(allowed, ", ")
}

// closest returns the allowed name within a small edit distance of key, if any.
func closest(key string, allowed []string) string {
	best, bestD := "", len(key)/3+1
	for _, a := range allowed {
		if d := editDistance(key, a); d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

// editDistance counts the insertions, deletions, substitutions and swaps of adjacent
// letters that turn a into b (optimal string alignment distance).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
