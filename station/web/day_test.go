package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// s10 makes a valid UPU S10 identifier (weights 8 6 4 2 3 5 9 7).
func s10(prefix string, n int, country string) string {
	d := fmt.Sprintf("%08d", n)
	w := []int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := range d {
		sum += int(d[i]-'0') * w[i]
	}
	c := 11 - sum%11
	if c == 10 {
		c = 0
	} else if c == 11 {
		c = 5
	}
	return fmt.Sprintf("%s%s%d%s", prefix, d, c, country)
}

// impb makes a 22-digit USPS tracking number with its mod-10 check digit.
func impb(n int) string {
	body := fmt.Sprintf("9400111899%011d", n)
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return fmt.Sprintf("%s%d", body, (10-sum%10)%10)
}

type dayCase struct {
	rma      station.ReturnAuthorization
	tracking string // normalised
	raw      string // as the scanner sends it
	answers  map[string]any
	decision string
}

// TestScriptedDay runs a day at the dock: hundreds of RMAs, scans in every raw
// form, unknown parcels, repeat scans, every unit inspected and confirmed. No
// parcel may be lost or doubled, and every refund must follow its policy.
func TestScriptedDay(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of API traffic; skipped with -short")
	}
	h := newHarness(t)
	now := time.Now().In(cst)
	home := func(used, works, acc bool) map[string]any {
		return map[string]any{"packaging": "opened", "used": used, "damaged": false, "works": works, "accessories_complete": acc}
	}
	var cases []dayCase
	for i := 0; i < 300; i++ {
		var tracking, raw string
		switch i % 6 {
		case 0:
			tracking = fmt.Sprintf("SF%013d", 7000000000000+i)
			raw = "]C0" + strings.ToLower(tracking[:2]) + " " + tracking[2:8] + " " + tracking[8:]
		case 1:
			tracking = fmt.Sprintf("YT%013d", 2400000000000+i)
			raw = "yt-" + tracking[2:]
		case 2:
			tracking = fmt.Sprintf("JDVA%011d", 10000000000+i)
			raw = "]Q1" + tracking + "-1-1"
		case 3:
			tracking = s10("EA", 10000000+i, "CN")
			raw = strings.ToLower(tracking)
		case 4:
			tracking = impb(i)
			raw = "]C1420200030\x1d" + tracking
		case 5:
			tracking = fmt.Sprintf("SF%013d", 8000000000000+i)
			raw = " " + tracking + "\r\n"
		}
		policy := []string{"no_reason_7d", "no_reason_15d", "quality", "custom_nonreturnable"}[i%4]
		requested := now.Add(-24 * time.Hour)
		delivered := requested.Add(-72 * time.Hour)
		if i%13 == 0 { // asked ten days after delivery
			delivered = requested.Add(-240 * time.Hour)
		}
		r := sampleRMA(fmt.Sprintf("RMA-DAY-%04d", i), tracking, policy, "家居日用", delivered, requested)
		r.Lines[0].Serials = nil
		scenario := (i / 4) % 4
		c := dayCase{rma: r, tracking: tracking, raw: raw}
		late := i%13 == 0
		window := map[string]time.Duration{"no_reason_7d": 7 * 24 * time.Hour, "no_reason_15d": 15 * 24 * time.Hour, "quality": 15 * 24 * time.Hour, "custom_nonreturnable": 15 * 24 * time.Hour}[policy]
		inWindow := !late || requested.Sub(delivered) <= window
		switch scenario {
		case 0: // intact
			c.answers = home(false, true, true)
			c.decision = map[string]string{"no_reason_7d": "full", "no_reason_15d": "full", "quality": "reject", "custom_nonreturnable": "reject"}[policy]
			if !inWindow && strings.HasPrefix(policy, "no_reason") {
				c.decision = "reject"
			}
		case 1: // used
			c.answers = home(true, true, true)
			c.decision = "reject"
		case 2: // defective
			c.answers = home(false, false, true)
			c.decision = "full"
			if !inWindow {
				c.decision = "escalate"
			}
		case 3: // intact but an accessory missing, which one not said: its value is unknown
			c.answers = home(false, true, false)
			c.decision = map[string]string{"no_reason_7d": "escalate", "no_reason_15d": "escalate", "quality": "reject", "custom_nonreturnable": "reject"}[policy]
			if !inWindow && strings.HasPrefix(policy, "no_reason") {
				c.decision = "reject"
			}
		}
		cases = append(cases, c)
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	}

	parcelOf := map[string]string{}
	for i, c := range cases {
		var rec station.ReceiveResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": c.raw})).json(t, &rec)
		if !rec.Matched || rec.Parcel.RMA != c.rma.RMA || rec.Parcel.Tracking != c.tracking {
			t.Fatalf("case %d: scan %q matched %v to %q as %q; want %s as %s", i, c.raw, rec.Matched, rec.Parcel.RMA, rec.Parcel.Tracking, c.rma.RMA, c.tracking)
		}
		parcelOf[c.tracking] = rec.Parcel.ID
		if i%10 == 0 { // the clerk scans it again
			var dup station.ReceiveResult
			h.must(200, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": c.tracking})).json(t, &dup)
			if !dup.Duplicate || dup.Parcel.ID != rec.Parcel.ID {
				t.Fatalf("repeat scan of %s made another parcel", c.tracking)
			}
		}
	}
	var unknown []string
	for i := 0; i < 20; i++ {
		tr := fmt.Sprintf("SF%013d", 9000000000000+i)
		var rec station.ReceiveResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": tr})).json(t, &rec)
		if rec.Matched || rec.Exceptions[0].Code != "unmatched" {
			t.Fatalf("unknown parcel %s: matched %v", tr, rec.Matched)
		}
		unknown = append(unknown, tr)
		parcelOf[tr] = rec.Parcel.ID
	}

	for i, c := range cases {
		pid := parcelOf[c.tracking]
		var ur station.UnitResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/units", map[string]any{"code": "]C10106901234567892"})).json(t, &ur)
		if ur.Unit.Line != 1 || ur.Unit.Category != "home" {
			t.Fatalf("case %d: unit line %d category %q", i, ur.Unit.Line, ur.Unit.Category)
		}
		h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": c.answers}))
		var u station.Unit
		h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{})).json(t, &u)
		if u.Result.Refund.Decision != c.decision {
			t.Errorf("case %d (%s, %v, delivered %s asked %s): refund %s, want %s; reasons %+v", i, c.rma.Policy, c.answers,
				c.rma.DeliveredAt.Format("01-02"), c.rma.RequestedAt.Format("01-02"), u.Result.Refund.Decision, c.decision, u.Result.Refund.Reasons)
		}
		var p station.Parcel
		h.must(200, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/close", nil)).json(t, &p)
		if !p.Complete {
			t.Errorf("case %d: parcel closed incomplete", i)
		}
	}

	// Half of the unknown parcels' RMAs arrive later and match them.
	for i, tr := range unknown[:10] {
		r := sampleRMA(fmt.Sprintf("RMA-LATE-%02d", i), tr, "quality", "home", now.Add(-96*time.Hour), now.Add(-48*time.Hour))
		var put station.PutReturnResult
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r)).json(t, &put)
		if len(put.Matched) != 1 || put.Matched[0] != parcelOf[tr] {
			t.Errorf("late RMA for %s matched %v", tr, put.Matched)
		}
	}

	// Nothing lost, nothing doubled.
	var list struct {
		Parcels []station.Parcel `json:"parcels"`
	}
	h.must(200, h.do("operator", "GET", "/api/v1/parcels?limit=500", nil)).json(t, &list)
	if len(list.Parcels) != len(cases)+len(unknown) {
		t.Fatalf("%d parcels, want %d", len(list.Parcels), len(cases)+len(unknown))
	}
	seen := map[string]bool{}
	matched := 0
	for _, p := range list.Parcels {
		if seen[p.Tracking] || parcelOf[p.Tracking] != p.ID {
			t.Errorf("parcel %s (%s) doubled or unexpected", p.ID, p.Tracking)
		}
		seen[p.Tracking] = true
		if p.RMA != "" {
			matched++
		}
	}
	if matched != len(cases)+10 {
		t.Errorf("%d parcels matched, want %d", matched, len(cases)+10)
	}
	var ex struct{ Exceptions []station.Exception }
	h.must(200, h.do("supervisor", "GET", "/api/v1/exceptions?state=open&limit=1000", nil)).json(t, &ex)
	open := map[string]int{}
	for _, e := range ex.Exceptions {
		open[e.Code]++
	}
	// A unit with parts missing has a missing_parts exception; any other unit
	// whose refund is left to a person has a needs_review one.
	missing, review := 0, 0
	for _, c := range cases {
		switch {
		case c.answers["accessories_complete"] == false:
			missing++
		case c.decision == "escalate":
			review++
		}
	}
	if open["unmatched"] != 10 || open["missing_parts"] != missing || open["needs_review"] != review || len(open) != 2+min(review, 1) {
		t.Errorf("open exceptions %v, want 10 unmatched, %d missing_parts and %d needs_review", open, missing, review)
	}
	for i, e := range h.allEvents() {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event log gap at %d", i+1)
		}
	}
}
