package station

import (
	"fmt"
	"unicode/utf8"
)

// Length limits of an RMA's text fields, in characters. They are far above
// anything a real return carries and keep one record, and everything drawn
// from it (labels, sheets, events), small.
const (
	MaxChannel       = 32
	MaxCustomerName  = 100
	MaxPhoneTail     = 8
	MaxReasonText    = 2000
	MaxShipments     = 50
	MaxCarrier       = 32
	MaxLines         = 1000
	MaxSKU           = 64
	MaxItemName      = 500
	MaxCategory      = 64
	MaxPrice         = 32
	MaxSerials       = 1000
	MaxSerial        = 64
	maxLabelText     = 120 // a label's longest line of text, before "…"
	maxLabelShortTxt = 64
)

// checkLengths adds a problem for every text field of r that is too long, and
// for lists with too many entries.
func (r *ReturnAuthorization) checkLengths(p *Problems) {
	long := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			p.Add(field, fmt.Sprintf("at most %d characters (this has %d)", max, utf8.RuneCountInString(v)))
		}
	}
	many := func(field string, n, max int) bool {
		if n > max {
			p.Add(field, fmt.Sprintf("at most %d entries (this has %d)", max, n))
			return true
		}
		return false
	}
	long("channel", r.Channel, MaxChannel)
	long("customer.name", r.Customer.Name, MaxCustomerName)
	long("customer.phone_tail", r.Customer.PhoneTail, MaxPhoneTail)
	long("reason.text", r.Reason.Text, MaxReasonText)
	long("refund.amount", r.Refund.Amount, MaxPrice)
	if !many("return_shipments", len(r.ReturnShipments), MaxShipments) {
		for i, s := range r.ReturnShipments {
			long(fmt.Sprintf("return_shipments[%d].carrier", i), s.Carrier, MaxCarrier)
			long(fmt.Sprintf("return_shipments[%d].tracking", i), s.Tracking, MaxScanLength)
		}
	}
	if many("lines", len(r.Lines), MaxLines) {
		return
	}
	for i, l := range r.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		long(f+".sku", l.SKU, MaxSKU)
		long(f+".gtin", l.GTIN, MaxSKU)
		long(f+".name", l.Name, MaxItemName)
		long(f+".category", l.Category, MaxCategory)
		long(f+".unit_price", l.UnitPrice, MaxPrice)
		if !many(f+".serials", len(l.Serials), MaxSerials) {
			for j, s := range l.Serials {
				long(fmt.Sprintf("%s.serials[%d]", f, j), s, MaxSerial)
			}
		}
	}
}

// clip shortens a label's texts to what a label can show, so a label (and a
// sheet of them) stays small whatever was stored before the limits above.
func (c *LabelContent) clip() {
	c.Title = clipText(c.Title, maxLabelShortTxt)
	c.SKU = clipText(c.SKU, maxLabelShortTxt)
	c.Name = clipText(c.Name, maxLabelText)
	c.Destination = clipText(c.Destination, maxLabelShortTxt)
	c.RMA = clipText(c.RMA, maxLabelShortTxt)
}

// clipText cuts s to at most max characters, ending in "…" when cut.
func clipText(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
