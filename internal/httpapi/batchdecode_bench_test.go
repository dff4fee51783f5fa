package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// batchBody is a v2 events batch of n items shaped as clients send them.
func batchBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"requests": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"user": {"uid": "user-%d"}, "name": "Product Added",
 "timestamp": "2026-11-20T10:%02d:%02d.123Z",
 "context": {"browser": {"url": "https://shop.example/p/%d",
   "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"}},
 "properties": {"sku": "SKU-%d", "price": 12.5, "qty": 2, "tags": ["a", "b"]}}`,
			i%977, i%60, i%60, i%211, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkBatchDecode compares the one-pass batch reader with its
// baseline, the way batches were read before: the list into raw items,
// then each item on its own. Compare the two ns/op.
func BenchmarkBatchDecode(b *testing.B) {
	body := batchBody(10_000)
	b.Run("one-pass", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, _, _, err := readBatch[eventBody](body, maxBatchItems); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-list-then-items", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var list struct {
				Requests []json.RawMessage `json:"requests"`
			}
			if err := unmarshal(body, &list); err != nil {
				b.Fatal(err)
			}
			for _, raw := range list.Requests {
				var e eventBody
				if err := unmarshal(raw, &e); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
