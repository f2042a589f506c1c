package bolt_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"returns-station/station"
)

// FuzzWhyKeys: SKUs, categories and channels come from central as any text
// (slashes, percent signs, spaces, Chinese). Whatever they are, a unit
// counted under them reads back under exactly them, by SKU, by channel and
// in the SKU and defect top lists, and never under another.
func FuzzWhyKeys(f *testing.F) {
	for _, s := range [][3]string{{"TEE-01", "apparel", "tmall"}, {"SHOE/X 1", "服饰/鞋", ""}, {"a%2Fb", "%", "jd/京东"}, {"SKU", "cat", "a b"}} {
		f.Add(s[0], s[1], s[2])
	}
	db := openDB(f)
	day := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	bySKU, byChannel := map[string]int64{}, map[string]int64{}
	f.Fuzz(func(t *testing.T, sku, category, channel string) {
		if strings.TrimSpace(sku) == "" || len(sku) > 64 || len(category) > 64 || len(channel) > 64 ||
			!utf8.ValidString(sku+category+channel) {
			return
		}
		rma := "RMA-F"
		_, err := db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			e := env(station.RoleOperator)
			e.Now = func() time.Time { return day }
			return nil, e.Emit(tx, "unit/f", station.UnitInspectedData{UnitID: ids.New(), ParcelID: "p", RMA: &rma, Line: 1, SKU: sku,
				Findings: []string{"not_working"}, Grade: "D", Disposition: "return_to_vendor",
				Refund:   station.RefundAdvice{Decision: station.RefundFull, Amount: "1.00", Currency: "CNY"},
				Category: category, Name: "n", Reason: "quality_issue", Channel: channel})
		})
		if err != nil {
			t.Fatal(err)
		}
		bySKU[sku]++
		byChannel[channel]++
		var r *station.WhyReport
		var d *station.DefectList
		q := station.WhyQuery{From: day, To: day, Limit: 100}
		if err := db.View(func(tx station.Tx) (err error) {
			qs := q
			qs.SKU = sku
			if r, err = station.WhyReturns(tx, qs); err != nil {
				return err
			}
			if r.Total.Units != bySKU[sku] || r.Total.DefectUnits != bySKU[sku] || len(r.SKUs) != 1 || r.SKUs[0].Key != sku {
				t.Errorf("sku %q: %d units, %d defects, rows %v; want %d", sku, r.Total.Units, r.Total.DefectUnits, r.SKUs, bySKU[sku])
			}
			qc := q
			qc.Channel, qc.HasChan = channel, true
			if r, err = station.WhyReturns(tx, qc); err != nil {
				return err
			}
			if r.Total.Units != byChannel[channel] {
				t.Errorf("channel %q: %d units, want %d", channel, r.Total.Units, byChannel[channel])
			}
			qd := q
			qd.SKU = sku
			if d, err = station.WhyDefects(tx, qd); err != nil {
				return err
			}
			if len(d.SKUs) != 1 || d.SKUs[0].SKU != sku || d.SKUs[0].DefectUnits != bySKU[sku] {
				t.Errorf("defects of %q: %+v, want %d", sku, d.SKUs, bySKU[sku])
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
