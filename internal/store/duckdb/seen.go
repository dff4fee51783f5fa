package duckdb

import (
	"math"

	"github.com/cespare/xxhash/v2"
)

// seenFilter remembers which event ids an org has stored, in about 3
// bytes per id: a Bloom filter that grows by adding larger filters as it
// fills. "No" is certain, so a new event is appended without searching
// the table; "maybe" is checked against the table, so a false positive
// costs one query and never drops an event.
type seenFilter struct {
	parts []*bloom
}

// seenFalsePositive is the target false-positive rate of each part.
const seenFalsePositive = 1e-5

func (f *seenFilter) add(id string) {
	if len(f.parts) == 0 || f.parts[len(f.parts)-1].full() {
		size := 1 << 16
		if n := len(f.parts); n > 0 {
			size = f.parts[n-1].capacity * 2
		}
		f.parts = append(f.parts, newBloom(size, seenFalsePositive))
	}
	f.parts[len(f.parts)-1].add(xxhash.Sum64String(id))
}

func (f *seenFilter) mayContain(id string) bool {
	h := xxhash.Sum64String(id)
	for _, p := range f.parts {
		if p.has(h) {
			return true
		}
	}
	return false
}

// bloom is a fixed-size Bloom filter over 64-bit hashes, probed with
// double hashing.
type bloom struct {
	bits     []uint64
	m        uint64
	k        int
	n        int
	capacity int
}

func newBloom(capacity int, p float64) *bloom {
	m := uint64(math.Ceil(-float64(capacity) * math.Log(p) / (math.Ln2 * math.Ln2)))
	k := int(math.Round(float64(m) / float64(capacity) * math.Ln2))
	return &bloom{bits: make([]uint64, (m+63)/64), m: m, k: max(k, 1), capacity: capacity}
}

func (b *bloom) full() bool { return b.n >= b.capacity }

func (b *bloom) add(h uint64) {
	h1, h2 := h, h>>32|h<<32|1
	for i := 0; i < b.k; i++ {
		j := (h1 + uint64(i)*h2) % b.m
		b.bits[j/64] |= 1 << (j % 64)
	}
	b.n++
}

func (b *bloom) has(h uint64) bool {
	h1, h2 := h, h>>32|h<<32|1
	for i := 0; i < b.k; i++ {
		j := (h1 + uint64(i)*h2) % b.m
		if b.bits[j/64]&(1<<(j%64)) == 0 {
			return false
		}
	}
	return true
}
