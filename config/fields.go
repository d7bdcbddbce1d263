package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Field is one field of Run, named by its key: the same in TOML and JSON.
type Field struct {
	Key  string
	Type reflect.Type
	i    int // index in Run
}

var fields = runFields()

func runFields() []Field {
	t := reflect.TypeFor[Run]()
	out := make([]Field, 0, t.NumField())
	for i := range t.NumField() {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, Field{Key: key, Type: t.Field(i).Type, i: i})
	}
	return out
}

// Fields lists Run's fields in declaration order.
func Fields() []Field { return slices.Clone(fields) }

// Get is the field of r.
func (f Field) Get(r Run) reflect.Value { return reflect.ValueOf(r).Field(f.i) }

// Addr is the field of *r, settable.
func (f Field) Addr(r *Run) reflect.Value { return reflect.ValueOf(r).Elem().Field(f.i) }

// Text is the field of r as people read it: a list's elements joined by sep, any other
// value as fmt prints it.
func (f Field) Text(r Run, sep string) string {
	v := f.Get(r)
	if v.Kind() != reflect.Slice {
		return fmt.Sprint(v.Interface())
	}
	parts := make([]string, v.Len())
	for i := range parts {
		parts[i] = fmt.Sprint(v.Index(i).Interface())
	}
	return strings.Join(parts, sep)
}

// Varying returns the keys of the fields, in declaration order and other than skip, whose
// text differs among runs; text gives one run's texts by key.
func Varying(runs []Run, text func(Run) map[string]string, skip ...string) []string {
	if len(runs) < 2 {
		return nil
	}
	texts := make([]map[string]string, len(runs))
	for i, r := range runs {
		texts[i] = text(r)
	}
	var keys []string
	for _, f := range fields {
		if slices.Contains(skip, f.Key) {
			continue
		}
		for _, t := range texts[1:] {
			if t[f.Key] != texts[0][f.Key] {
				keys = append(keys, f.Key)
				break
			}
		}
	}
	return keys
}
