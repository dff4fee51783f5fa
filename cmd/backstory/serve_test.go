package main

import "testing"

func TestServeRefusesTooLittleMemory(t *testing.T) {
	for s, ok := range map[string]bool{"256MB": true, "128MB": true, "1GiB": true,
		"16MB": false, "127MB": false, "64MB": false, "abc": false} {
		if err := checkMemoryLimit(s); (err == nil) != ok {
			t.Errorf("checkMemoryLimit(%q) = %v, want ok %v", s, err, ok)
		}
	}
}
