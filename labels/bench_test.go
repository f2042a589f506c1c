package labels_test

import (
	"fmt"
	"testing"

	"returns-station/labels"
	"returns-station/station"
)

// BenchmarkRender measures labels per second for PNG and ZPL at each size
// and resolution, with a unit's 32-character payload, and reports the QR
// version that size uses.
func BenchmarkRender(b *testing.B) {
	c := unitLabel()
	renderers := []struct {
		name   string
		render func(size string, dpi int) ([]byte, error)
	}{
		{"PNG", func(size string, dpi int) ([]byte, error) { return labels.PNG(c, size, dpi) }},
		{"ZPL", func(size string, dpi int) ([]byte, error) { return labels.ZPL(c, size, dpi, "") }},
	}
	for _, r := range renderers {
		for _, size := range sizes {
			for _, dpi := range dpis {
				b.Run(fmt.Sprintf("%s/%s/%ddpi", r.name, size, dpi), func(b *testing.B) {
					q, err := labels.QR(c.Code, size)
					if err != nil {
						b.Fatal(err)
					}
					var n int
					for b.Loop() {
						out, err := r.render(size, dpi)
						if err != nil {
							b.Fatal(err)
						}
						n = len(out)
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "labels/s")
					b.ReportMetric(float64(q.Version), "qr_version")
					b.ReportMetric(float64(n), "bytes/label")
				})
			}
		}
	}
}

// BenchmarkQR measures encoding the symbol alone, the part both renderers
// share.
func BenchmarkQR(b *testing.B) {
	code := unitLabel().Code
	for _, size := range sizes {
		b.Run(size, func(b *testing.B) {
			for b.Loop() {
				if _, err := labels.QR(code, size); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSheet(b *testing.B) {
	in := make([]station.LabelContent, 44)
	for i := range in {
		in[i] = unitLabel()
	}
	for b.Loop() {
		if err := labels.Sheet(discard{}, in, station.LabelSizeSmall); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(in))/b.Elapsed().Seconds(), "labels/s")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
