package demo

import "strconv"

// idKind keeps the id spaces of people, devices, sessions and pages apart,
// so that two kinds never draw the same number from one counter value.
type idKind uint64

const (
	kindIndv idKind = iota + 1
	kindUser
	kindSession
	kindPage
)

const (
	idBits     = 52
	idMask     = 1<<idBits - 1
	counterMax = 1 << 44 // counters live in the low 44 bits
)

// idSource hands out ids that look random, like the hosted product's, but
// are a pure function of the seed, the kind and a counter. The mapping is
// a bijection on 52 bits, so ids never collide; the top bit set by
// idSource.make keeps every id positive, 16 digits long and below 2^53.
type idSource struct {
	key      uint64
	counters [kindPage + 1]uint64
}

func newIDSource(seed int64) *idSource {
	return &idSource{key: mix64(uint64(seed)) & idMask}
}

// next returns the next id of a kind.
func (s *idSource) next(k idKind) int64 {
	n := s.counters[k]
	s.counters[k]++
	return s.make(k, n)
}

// make maps (kind, n) to an id in [2^52, 2^53).
func (s *idSource) make(k idKind, n uint64) int64 {
	x := (uint64(k)<<44 | n%counterMax) ^ s.key

	// Odd multipliers and right xor-shifts are each invertible modulo
	// 2^52, so the whole chain is too.
	x = (x * 0x9E3779B97F4A7C15) & idMask
	x ^= x >> 27
	x = (x * 0xBF58476D1CE4E5B9) & idMask
	x ^= x >> 31

	return int64(x | 1<<idBits)
}

// mix64 spreads the bits of a seed (splitmix64's finaliser).
func mix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

// eventID is the EventId of the n-th event of a seed. Loading the same
// seed twice therefore stores nothing new: the store drops known ids.
func eventID(seed int64, n int64) string {
	return "demo-" + strconv.FormatUint(uint64(seed), 36) + "-" +
		strconv.FormatInt(n, 10)
}
