package station

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// RMA statuses as central publishes them.
const (
	RMAApproved  = "approved"
	RMACancelled = "cancelled"
	RMAClosed    = "closed"
)

// Refund policies of central.md §1: the rules a refund is judged under.
const (
	PolicyNoReason7d  = "no_reason_7d"
	PolicyNoReason15d = "no_reason_15d"
	PolicyQuality     = "quality"
	PolicyFresh24h    = "fresh_24h"
	PolicyCustom      = "custom_nonreturnable"
	PolicyVirtual     = "virtual"
)

// Policies lists every policy central may send.
var Policies = []string{PolicyNoReason7d, PolicyNoReason15d, PolicyQuality, PolicyFresh24h, PolicyCustom, PolicyVirtual}

// ReasonCodes lists the customer's return reasons central may send.
var ReasonCodes = []string{"no_reason_7d", "quality_issue", "not_as_described", "wrong_item_sent",
	"damaged_in_transit", "missing_parts", "size_fit", "changed_mind", "other"}

// ReturnAuthorization is an expected return as the central platform publishes
// it (central.md §1), field for field. Central owns it; the station only keeps
// the highest version it has seen.
type ReturnAuthorization struct {
	RMA             string           `json:"rma"`
	Version         int64            `json:"version"`
	Status          string           `json:"status"`
	OrderID         string           `json:"order_id"`
	Channel         string           `json:"channel,omitempty"`
	Customer        Customer         `json:"customer"`
	Reason          ReturnReason     `json:"reason"`
	Policy          string           `json:"policy"`
	DeliveredAt     *time.Time       `json:"delivered_at"`
	RequestedAt     *time.Time       `json:"requested_at"`
	Refund          Money            `json:"refund"`
	ReturnShipments []ReturnShipment `json:"return_shipments"`
	Lines           []RMALine        `json:"lines"`
	UpdatedAt       *time.Time       `json:"updated_at,omitempty"`
}

// Customer is already masked by central; the station never asks for more.
type Customer struct {
	Name      string `json:"name,omitempty"`
	PhoneTail string `json:"phone_tail,omitempty"`
}

// ReturnReason is the customer's stated reason for the return.
type ReturnReason struct {
	Code string `json:"code"`
	Text string `json:"text,omitempty"`
}

// Money is a decimal string and an ISO 4217 currency code, never a float.
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// ReturnShipment is one parcel the customer sends back.
type ReturnShipment struct {
	Carrier  string `json:"carrier"`
	Tracking string `json:"tracking"`
}

// RMALine is one product line of a return.
type RMALine struct {
	Line      int      `json:"line"`
	SKU       string   `json:"sku"`
	GTIN      string   `json:"gtin,omitempty"`
	Name      string   `json:"name"`
	Category  string   `json:"category"`
	Qty       int      `json:"qty"`
	UnitPrice string   `json:"unit_price"`
	Serials   []string `json:"serials,omitempty"`
	// Accessories and Gifts are optional: what came with the product and
	// what each is worth, when central knows it. A missing one is deducted
	// at this value (an accessory by its item id, gifts all together).
	Accessories []LineItem `json:"accessories,omitempty"`
	Gifts       []LineItem `json:"gifts,omitempty"`
}

// LineItem is an accessory or a gift that came with a line, with its value.
type LineItem struct {
	Item  string `json:"item,omitempty"` // accessory id as the rules name it: charger, cable, …
	Name  string `json:"name,omitempty"`
	Value string `json:"value"`
}

// accessory returns the line's accessory with the item id, or nil.
func (l *RMALine) accessory(item string) *LineItem {
	if l == nil {
		return nil
	}
	for i := range l.Accessories {
		if l.Accessories[i].Item == item {
			return &l.Accessories[i]
		}
	}
	return nil
}

var (
	rmaIDPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$`)
	currencyRegex = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Validate checks an RMA as it comes from central, a file or a supervisor, and
// reports every field at fault.
func (r *ReturnAuthorization) Validate() error {
	var p Problems
	if !rmaIDPattern.MatchString(r.RMA) {
		p.Add("rma", "required: 1-64 letters, digits or -_.:/")
	}
	if r.Version < 1 {
		p.Add("version", "must be 1 or more")
	}
	switch r.Status {
	case RMAApproved, RMACancelled, RMAClosed:
	default:
		p.Add("status", "must be approved, cancelled or closed")
	}
	if strings.TrimSpace(r.OrderID) == "" || len(r.OrderID) > 64 {
		p.Add("order_id", "required, at most 64 characters")
	}
	if !contains(Policies, r.Policy) {
		p.Add("policy", "must be one of "+strings.Join(Policies, ", "))
	}
	if r.Reason.Code != "" && !contains(ReasonCodes, r.Reason.Code) {
		p.Add("reason.code", "must be one of "+strings.Join(ReasonCodes, ", "))
	}
	if r.Refund.Amount != "" || r.Refund.Currency != "" {
		if _, err := ParseAmount(r.Refund.Amount); err != nil {
			p.Add("refund.amount", err.Error())
		}
		if !currencyRegex.MatchString(r.Refund.Currency) {
			p.Add("refund.currency", "must be an ISO 4217 code such as CNY")
		}
	}
	for i, s := range r.ReturnShipments {
		if NormalizeTracking(s.Tracking) == "" {
			p.Add(fmt.Sprintf("return_shipments[%d].tracking", i), "required")
		}
	}
	if len(r.Lines) == 0 && r.Policy != PolicyVirtual {
		p.Add("lines", "at least one line is required")
	}
	seen := map[int]bool{}
	for i, l := range r.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.Line < 1 || seen[l.Line] {
			p.Add(f+".line", "must be a positive number, unique within the RMA")
		}
		seen[l.Line] = true
		if strings.TrimSpace(l.SKU) == "" {
			p.Add(f+".sku", "required")
		}
		if l.GTIN != "" && !ValidGTIN(l.GTIN) {
			p.Add(f+".gtin", "not a valid GTIN (8, 12, 13 or 14 digits with check digit)")
		}
		if l.Qty < 1 || l.Qty > 10000 {
			p.Add(f+".qty", "must be between 1 and 10000")
		}
		if _, err := ParseAmount(l.UnitPrice); err != nil {
			p.Add(f+".unit_price", err.Error())
		}
		for j, a := range l.Accessories {
			if strings.TrimSpace(a.Item) == "" {
				p.Add(fmt.Sprintf("%s.accessories[%d].item", f, j), "required: the accessory id (charger, cable, …)")
			}
			if _, err := ParseAmount(a.Value); err != nil {
				p.Add(fmt.Sprintf("%s.accessories[%d].value", f, j), err.Error())
			}
		}
		for j, g := range l.Gifts {
			if _, err := ParseAmount(g.Value); err != nil {
				p.Add(fmt.Sprintf("%s.gifts[%d].value", f, j), err.Error())
			}
		}
	}
	r.checkLengths(&p)
	return p.Err("the return authorization is not valid")
}

// Line returns the RMA line numbered n, or nil.
func (r *ReturnAuthorization) Line(n int) *RMALine {
	for i := range r.Lines {
		if r.Lines[i].Line == n {
			return &r.Lines[i]
		}
	}
	return nil
}

// Trackings returns the normalised tracking numbers of the RMA's shipments.
func (r *ReturnAuthorization) Trackings() []string {
	var out []string
	for _, s := range r.ReturnShipments {
		if t := NormalizeTracking(s.Tracking); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
