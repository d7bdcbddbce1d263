package experiments

import (
	"sort"
	"strconv"
	"strings"
)

// The TOML decoder keeps no public record of where keys are, so locate scans the source
// (already known to be valid TOML) for the position of every key, table header and array
// element. A path is a list of segments: table and key names, and "[i]" for the i-th element
// of an array or array of tables.

// place is where a key or value starts.
type place struct{ line, offset int }

type places map[string]place

func pathID(path []string) string { return strings.Join(path, "\x1f") }

func index(i int) string { return "[" + strconv.Itoa(i) + "]" }

// displayPath writes a path the way errors name it: base.crop_size, include[1].variant.
func displayPath(path []string) string {
	var b strings.Builder
	for i, s := range path {
		if i > 0 && !strings.HasPrefix(s, "[") {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// lookup returns where path is defined, falling back to its closest located parent
// (an element of an inline array is located, a value computed from it is not).
func (ps places) lookup(path []string) place {
	for n := len(path); n > 0; n-- {
		if p, ok := ps[pathID(path[:n])]; ok {
			return p
		}
	}
	return place{}
}

// maxLocatedDepth bounds the path of a located array element: config values nest two
// levels at most, and locating every level of a deeply nested array costs its depth squared.
const maxLocatedDepth = 16

type scanner struct {
	src    string
	i      int
	lines  []int // byte offset of the start of each line
	found  places
	arrays map[string]int // array-of-tables path → number of elements so far
}

func locate(src string) places {
	s := &scanner{src: src, found: places{}, arrays: map[string]int{}, lines: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
	var table []string
	for {
		s.skipBlank(true)
		if s.i >= len(s.src) {
			return s.found
		}
		start := s.i
		switch {
		case strings.HasPrefix(s.src[s.i:], "[["):
			table = s.arrayHeader()
		case s.src[s.i] == '[':
			table = s.tableHeader()
		default:
			s.keyValue(table)
		}
		if s.i == start {
			s.i++ // never loop on input the scanner does not understand
		}
	}
}

func (s *scanner) record(path []string, offset int) {
	id := pathID(path)
	if _, ok := s.found[id]; ok {
		return
	}
	line := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > offset })
	s.found[id] = place{line: line, offset: offset}
}

// resolve maps a header's key to a path, stepping into the last element of any array of
// tables on the way, as TOML does for [[a.b]] under [[a]].
func (s *scanner) resolve(key []string) []string {
	var path []string
	for _, k := range key {
		path = append(path, k)
		if n, ok := s.arrays[pathID(path)]; ok {
			path = append(path, index(n-1))
		}
	}
	return path
}

func (s *scanner) tableHeader() []string {
	at := s.i
	s.i++
	key := s.readKey()
	s.skipPast("]")
	path := s.resolve(key)
	s.record(path, at)
	return path
}

func (s *scanner) arrayHeader() []string {
	at := s.i
	s.i += 2
	key := s.readKey()
	s.skipPast("]]")
	if len(key) == 0 {
		return nil
	}
	path := append(s.resolve(key[:len(key)-1]), key[len(key)-1])
	s.record(path, at)
	n := s.arrays[pathID(path)]
	s.arrays[pathID(path)] = n + 1
	path = append(path, index(n))
	s.record(path, at)
	return path
}

func (s *scanner) keyValue(table []string) {
	at := s.i
	key := s.readKey()
	if len(key) == 0 {
		return
	}
	s.skipBlank(false)
	if s.i < len(s.src) && s.src[s.i] == '=' {
		s.i++
	}
	path := append(append([]string{}, table...), key...)
	s.record(path, at)
	s.value(path)
}

func (s *scanner) value(path []string) {
	s.skipBlank(false)
	if s.i >= len(s.src) {
		return
	}
	switch s.src[s.i] {
	case '{':
		s.i++
		s.sequence('}', func(int) { s.keyValue(path) })
	case '[':
		s.i++
		s.sequence(']', func(n int) {
			if len(path) >= maxLocatedDepth || n > maxRuns {
				s.value(path) // scanned, not located: no setting nests or counts that far
				return
			}
			elem := append(append([]string{}, path...), index(n))
			s.record(elem, s.i)
			s.value(elem)
		})
	case '"', '\'':
		s.readString()
	default:
		for s.i < len(s.src) && !strings.ContainsRune(",]}\n#", rune(s.src[s.i])) {
			s.i++
		}
	}
}

// sequence reads comma-separated items up to the closing byte, calling item for each.
func (s *scanner) sequence(end byte, item func(n int)) {
	for n := 0; ; n++ {
		s.skipBlank(true)
		if s.i >= len(s.src) {
			return
		}
		if s.src[s.i] == end {
			s.i++
			return
		}
		start := s.i
		item(n)
		s.skipBlank(true)
		if s.i < len(s.src) && s.src[s.i] == ',' {
			s.i++
		} else if s.i == start {
			s.i++
		}
	}
}

// readKey reads a dotted key of bare and quoted parts.
func (s *scanner) readKey() []string {
	var key []string
	for {
		s.skipBlank(false)
		if s.i >= len(s.src) {
			return key
		}
		switch c := s.src[s.i]; {
		case c == '"' || c == '\'':
			key = append(key, s.readString())
		case isBare(c):
			start := s.i
			for s.i < len(s.src) && isBare(s.src[s.i]) {
				s.i++
			}
			key = append(key, s.src[start:s.i])
		default:
			return key
		}
		s.skipBlank(false)
		if s.i >= len(s.src) || s.src[s.i] != '.' {
			return key
		}
		s.i++
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// readString consumes a basic, literal or multi-line string and returns its value for the
// single-line forms (the only ones that can be keys).
func (s *scanner) readString() string {
	q := s.src[s.i]
	if strings.HasPrefix(s.src[s.i:], strings.Repeat(string(q), 3)) {
		s.i += 3
		s.skipUntilQuotes(q, 3)
		for n := 0; n < 2 && s.i < len(s.src) && s.src[s.i] == q; n++ {
			s.i++ // up to two quotes may end the content right before the delimiter
		}
		return ""
	}
	start := s.i
	s.i++
	s.skipUntilQuotes(q, 1)
	raw := s.src[start:s.i]
	if q == '\'' {
		return strings.Trim(raw, "'")
	}
	if v, err := strconv.Unquote(raw); err == nil {
		return v
	}
	return strings.Trim(raw, `"`)
}

// skipUntilQuotes moves past the next run of n quotes q, honouring backslash escapes in
// basic strings.
func (s *scanner) skipUntilQuotes(q byte, n int) {
	delim := strings.Repeat(string(q), n)
	for s.i < len(s.src) {
		if q == '"' && s.src[s.i] == '\\' {
			s.i = min(s.i+2, len(s.src)) // an escape may be the input's last byte
			continue
		}
		if strings.HasPrefix(s.src[s.i:], delim) {
			s.i += n
			return
		}
		s.i++
	}
}

func (s *scanner) skipPast(delim string) {
	if j := strings.Index(s.src[s.i:], delim); j >= 0 {
		s.i += j + len(delim)
	} else {
		s.i = len(s.src)
	}
}

// skipBlank skips spaces and tabs, and also newlines and comments when lines is true.
// A comment always runs to the end of its line.
func (s *scanner) skipBlank(lines bool) {
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case ' ', '\t':
			s.i++
		case '\r', '\n':
			if !lines {
				return
			}
			s.i++
		case '#':
			if !lines {
				return
			}
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
		default:
			return
		}
	}
}
