package client

import "testing"

func TestParseContentRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in           string
		first, total int64
		bad          bool
	}{
		{in: "bytes 100-199/200", first: 100, total: 200},
		{in: "bytes 0-0/*", first: 0, total: -1},
		{in: "bytes */200", bad: true},
		{in: "items 1-2/3", bad: true},
		{in: "", bad: true},
	}
	for _, tc := range tests {
		first, total, err := parseContentRange(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseContentRange(%q) succeeded, want an error", tc.in)
			}
			continue
		}
		if err != nil || first != tc.first || total != tc.total {
			t.Errorf("parseContentRange(%q) = %d, %d, %v; want %d, %d",
				tc.in, first, total, err, tc.first, tc.total)
		}
	}
}

func TestDispositionNameStaysInFolder(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`attachment; filename="Everyone 2024-05-01.csv.gz"`: "Everyone 2024-05-01.csv.gz",
		`attachment; filename="../../etc/passwd"`:           "passwd",
		`attachment; filename="..\\..\\x.csv"`:              "x.csv",
		`attachment; filename=".."`:                         "",
		`attachment; filename*=UTF-8''caf%C3%A9.csv`:        "café.csv",
		`attachment`: "",
		``:           "",
	}
	for in, want := range tests {
		if got := dispositionName(in); got != want {
			t.Errorf("dispositionName(%q) = %q, want %q", in, got, want)
		}
	}
}
