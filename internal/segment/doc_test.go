package segment

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestDocExamples parses every JSON example of the package comment, as
// a definition, a criterion, a time range or a condition, whichever it
// is.
func TestDocExamples(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var blocks [][]string
	var cur []string
	for _, line := range strings.Split(string(src), "\n") {
		code, ok := strings.CutPrefix(line, "//\t")
		if ok {
			cur = append(cur, code)
			continue
		}
		if len(cur) > 0 {
			blocks = append(blocks, cur)
			cur = nil
		}
	}
	n := 0
	for _, b := range blocks {
		if !strings.HasPrefix(b[0], "{") {
			continue
		}
		examples := []string{strings.Join(b, "\n")}
		if !json.Valid([]byte(examples[0])) {
			examples = nil
			for _, line := range b {
				// A line of a list: the JSON, then a comment.
				end := strings.LastIndex(line, "}")
				examples = append(examples, line[:end+1])
			}
		}
		for _, ex := range examples {
			n++
			if err := parseExample(ex); err != nil {
				t.Errorf("doc example %s: %v", ex, err)
			}
		}
	}
	if n < 20 {
		t.Errorf("found %d examples, want at least 20", n)
	}
}

// parseExample tries ex in each place an example may stand.
func parseExample(ex string) error {
	var first error
	for _, wrap := range []string{
		"%s",
		`{"criteria":[%s]}`,
		`{"timeRange":%s}`,
		`{"criteria":[{"did":{"where":[%s]}}]}`,
	} {
		_, err := Parse([]byte(strings.Replace(wrap, "%s", ex, 1)))
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}
