package encode

import (
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// Building a present value the documented way, parquet.Int64Value(x).
// Level(0, 1, column), costs more than everything else the writer does
// per value: Level is not inlined, and its copy of the 24-byte Value
// through the stack stalls on store forwarding (a fifth of the writer's
// time in profiles). So each column keeps one present value built that
// way, levels set, and a value is that copy with its data words
// replaced. The data words are the first two fields of parquet.Value: a
// pointer (a byte array's bytes) and a 64-bit word (a fixed-size value's
// bits, or a byte array's length). valueWords mirrors them; a pointer
// stays a pointer, so the collector sees the same shape.
//
// The layout is parquet-go's own, not its API. valueLayoutOK checks it
// once against the constructors; if a future version lays Value out
// differently, the writer falls back to Level and stays correct.
type valueWords struct {
	ptr *byte
	u64 uint64
}

// valueLayoutOK reports whether values built by setWord and setBytes equal
// the ones parquet-go's constructors build.
var valueLayoutOK = checkValueLayout()

func checkValueLayout() bool {
	if unsafe.Sizeof(parquet.Value{}) < unsafe.Sizeof(valueWords{}) {
		return false
	}
	const col = 3
	text := []byte("text")

	checks := []struct{ got, want parquet.Value }{
		{withWord(parquet.Int64Value(0).Level(0, 1, col), uint64(1<<40+7)),
			parquet.Int64Value(1<<40+7).Level(0, 1, col)},
		{withWord(parquet.Int64Value(0).Level(0, 1, col), ^uint64(6)),
			parquet.Int64Value(-7).Level(0, 1, col)},
		{withWord(parquet.DoubleValue(0).Level(0, 1, col), 0x400c000000000000),
			parquet.DoubleValue(3.5).Level(0, 1, col)},
		{withWord(parquet.BooleanValue(false).Level(0, 1, col), 1),
			parquet.BooleanValue(true).Level(0, 1, col)},
		{withBytes(parquet.ByteArrayValue(nil).Level(0, 1, col), text),
			parquet.ByteArrayValue(text).Level(0, 1, col)},
	}
	for _, c := range checks {
		if c.got != c.want {
			return false
		}
	}
	// The replaced words must be read back as the data.
	v := withBytes(parquet.ByteArrayValue(nil).Level(0, 1, col), text)
	return string(v.ByteArray()) == "text" && v.DefinitionLevel() == 1 &&
		v.Column() == col &&
		withWord(parquet.Int64Value(0).Level(0, 1, col), 9).Int64() == 9
}

// setWord replaces the 64-bit data word of v, a fixed-size value.
func setWord(v *parquet.Value, u uint64) {
	(*valueWords)(unsafe.Pointer(v)).u64 = u
}

// setBytes points v, a byte array value, at the n bytes from p.
func setBytes(v *parquet.Value, p *byte, n int) {
	w := (*valueWords)(unsafe.Pointer(v))
	w.ptr, w.u64 = p, uint64(n)
}

func withWord(v parquet.Value, u uint64) parquet.Value {
	setWord(&v, u)
	return v
}

func withBytes(v parquet.Value, b []byte) parquet.Value {
	setBytes(&v, unsafe.SliceData(b), len(b))
	return v
}
