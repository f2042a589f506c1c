package carriers_test

import (
	"testing"

	"returns-station/carriers"
)

// BenchmarkReceive measures verifying and parsing one delivery per provider:
// the part of a webhook's answer time this package is responsible for.
func BenchmarkReceive(b *testing.B) {
	for _, p := range carriers.Providers() {
		b.Run(p, func(b *testing.B) {
			h := newHook(b, p)
			d := signed(b, p)
			b.ReportAllocs()
			b.SetBytes(int64(len(d.body)))
			for b.Loop() {
				if _, _, _, err := h.Receive(d.header, d.body, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
