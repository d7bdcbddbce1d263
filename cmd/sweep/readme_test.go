package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's CLI table from the commands' flag sets")

// TestCLITable: README.md's CLI table shows every command with every flag of its flag set.
// The first column is generated; the second, what the command does, is kept from the
// README (a new command gets its summary). go test ./cmd/sweep -run CLITable -update
// rewrites the table.
func TestCLITable(t *testing.T) {
	const path = "../../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	got, err := rewriteCLITable(readme)
	if err != nil {
		t.Fatal(err)
	}
	if got == readme {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's CLI table differs from the commands' flag sets; run go test ./cmd/sweep -run CLITable -update\n%s", tableDiff(readme, got))
}

const tableHeader = "| command | what it does |\n|---|---|\n"

// rewriteCLITable returns readme with the table that follows tableHeader regenerated.
func rewriteCLITable(readme string) (string, error) {
	start := strings.Index(readme, tableHeader)
	if start < 0 {
		return "", fmt.Errorf("README.md has no table starting %q", tableHeader)
	}
	start += len(tableHeader)
	end := start
	for end < len(readme) && strings.HasPrefix(readme[end:], "|") {
		n := strings.IndexByte(readme[end:], '\n')
		if n < 0 {
			n = len(readme) - end - 1
		}
		end += n + 1
	}
	order, docs := []string{}, map[string]string{}
	for _, row := range strings.Split(strings.TrimSuffix(readme[start:end], "\n"), "\n") {
		name, doc, ok := parseRow(row)
		if !ok {
			return "", fmt.Errorf("README.md: CLI table row %q is not | `sweep COMMAND ...` | what it does |", row)
		}
		order, docs[name] = append(order, name), doc
	}
	lines := map[string]string{"--version": "sweep --version"}
	summaries := map[string]string{"--version": "the version, the VCS revision it was built from (modified or not) and the backend"}
	for name, c := range commands {
		summaries[name] = c.summary
		f := newFlags("sweep " + name)
		c.setup(f)
		lines[name] = f.line()
	}
	for name := range summaries {
		if _, ok := docs[name]; !ok {
			order = append(order, name)
			docs[name] = summaries[name]
		}
	}
	var table strings.Builder
	for _, name := range order {
		if _, ok := summaries[name]; !ok {
			continue // a command that no longer exists
		}
		fmt.Fprintf(&table, "| `%s` | %s |\n", strings.ReplaceAll(lines[name], "|", `\|`), docs[name])
	}
	return readme[:start] + table.String() + readme[end:], nil
}

// parseRow splits "| `sweep NAME ...` | doc |" into NAME and doc.
func parseRow(row string) (name, doc string, ok bool) {
	rest, ok := strings.CutPrefix(row, "| `sweep ")
	if !ok {
		return "", "", false
	}
	code, doc, ok := strings.Cut(rest, "` | ")
	if !ok || !strings.HasSuffix(doc, " |") {
		return "", "", false
	}
	name, _, _ = strings.Cut(code, " ")
	return name, strings.TrimSuffix(doc, " |"), true
}

// tableDiff lists the lines of a that b lacks (-) and the lines of b that a lacks (+).
func tableDiff(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ina, inb := in(a), in(b)
	var d strings.Builder
	for _, l := range strings.Split(a, "\n") {
		if !inb[l] {
			d.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if !ina[l] {
			d.WriteString("+ " + l + "\n")
		}
	}
	return d.String()
}
