package station

import (
	"sort"
	"strings"
	"time"
)

// PutReturnResult says what storing an RMA did.
type PutReturnResult struct {
	RMA     *ReturnAuthorization `json:"rma"`
	Applied bool                 `json:"applied"` // false: an equal or higher version was already here
	Matched []string             `json:"matched_parcels,omitempty"`
}

// PutReturn stores an RMA from central, a file or a supervisor. A higher
// version replaces a lower one; an equal or lower one is ignored. Unmatched
// parcels it explains are matched (how: later_pull, or what the caller says),
// and an RMA cancelled or closed after its goods arrived opens an exception.
func PutReturn(tx Tx, env Env, r *ReturnAuthorization, how string) (*PutReturnResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	old, err := tx.RMA(r.RMA)
	if err != nil {
		return nil, err
	}
	if old != nil && old.Version >= r.Version {
		return &PutReturnResult{RMA: old}, nil
	}
	if err := tx.PutRMA(r); err != nil {
		return nil, err
	}
	res := &PutReturnResult{RMA: r, Applied: true}
	if err := env.emit(tx, "rma/"+r.RMA, RMAUpsertedData{RMA: r.RMA, Version: r.Version, Status: r.Status, How: how}); err != nil {
		return nil, err
	}
	// Shipments tracked before the RMA was known.
	for _, tr := range r.Trackings() {
		s, err := tx.Shipment(tr)
		if err != nil {
			return nil, err
		}
		if s != nil && s.RMA != r.RMA {
			s.RMA = r.RMA
			if err := tx.PutShipment(s); err != nil {
				return nil, err
			}
		}
	}
	// Parcels that arrived before the RMA was known.
	keys := append(r.Trackings(), NormalizeTracking(r.RMA), NormalizeTracking(r.OrderID))
	for _, k := range keys {
		p, err := tx.ParcelByKey(k)
		if err != nil {
			return nil, err
		}
		if p == nil || p.RMA != "" {
			continue
		}
		if err := matchParcel(tx, env, p, r, how); err != nil {
			return nil, err
		}
		res.Matched = append(res.Matched, p.ID)
	}
	// Status changes after the goods arrived.
	if old != nil && old.Status != r.Status && r.Status != RMAApproved {
		parcels, err := tx.ParcelsByRMA(r.RMA)
		if err != nil {
			return nil, err
		}
		for _, p := range parcels {
			if err := statusException(tx, env, p, r); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

func statusException(tx Tx, env Env, p *Parcel, r *ReturnAuthorization) error {
	switch r.Status {
	case RMACancelled:
		return env.openException(tx, &Exception{Code: ExRMACancelled, ParcelID: p.ID, RMA: r.RMA, Tracking: p.Tracking,
			Note: "Goods arrived for a return the customer or platform cancelled. 退货单已取消，但货物已到仓。"})
	case RMAClosed:
		return env.openException(tx, &Exception{Code: ExRMAClosed, ParcelID: p.ID, RMA: r.RMA, Tracking: p.Tracking,
			Note: "Goods arrived for a return that was settled elsewhere. 退货单已关闭（已在别处处理），但货物已到仓。"})
	}
	return nil
}

// matchParcel attaches an unmatched parcel to r, resolves its "unmatched"
// exception and emits returns.parcel.matched.
func matchParcel(tx Tx, env Env, p *Parcel, r *ReturnAuthorization, how string) error {
	p.RMA, p.OrderID, p.MatchedHow = r.RMA, r.OrderID, how
	if p.Carrier == "" {
		p.Carrier = shipmentCarrier(r, p.Tracking)
	}
	if err := tx.PutParcel(p); err != nil {
		return err
	}
	exs, err := tx.ExceptionsByParcel(p.ID)
	if err != nil {
		return err
	}
	for _, e := range exs {
		if e.Code == ExUnmatched && e.State == ExOpen {
			now := env.Now()
			e.State, e.ResolvedAt, e.ResolvedBy, e.Action, e.RMA = ExResolved, &now, env.Actor, ActMatch, r.RMA
			e.Resolution = "matched automatically (" + how + ")"
			if err := tx.PutException(e); err != nil {
				return err
			}
		}
	}
	if err := env.emit(tx, "parcel/"+p.ID, ParcelMatchedData{ParcelID: p.ID, RMA: r.RMA, How: how}); err != nil {
		return err
	}
	// Weighed before its return was known: weigh it against the lines now
	// (not learned from: the weight was taken before anyone knew what it held).
	if _, err := weighParcel(tx, env, p, r, false); err != nil {
		return err
	}
	if err := attachShipment(tx, env, p, r.RMA); err != nil {
		return err
	}
	return statusException(tx, env, p, r)
}

// attachShipment links the carrier's shipment to the parcel that arrived and
// closes the "not found at dock" or "stuck" exceptions it had raised.
func attachShipment(tx Tx, env Env, p *Parcel, rma string) error {
	s, err := tx.Shipment(p.Tracking)
	if err != nil || s == nil {
		return err
	}
	s.ParcelID = p.ID
	if rma != "" {
		s.RMA = rma
	}
	if err := settle(tx, env, s, "the parcel was scanned at the dock", p.ID, ExNotFoundAtDock, ExStuck); err != nil {
		return err
	}
	return tx.PutShipment(s)
}

func shipmentCarrier(r *ReturnAuthorization, tracking string) string {
	for _, s := range r.ReturnShipments {
		if NormalizeTracking(s.Tracking) == tracking {
			return strings.ToUpper(s.Carrier)
		}
	}
	return ""
}

// ReceiveInput is one scan at the receiving desk.
type ReceiveInput struct {
	Code      string `json:"code"`
	Packaging string `json:"packaging"`
	WeightG   *int   `json:"weight_g,omitempty"`
	// Freight is what the dock paid the carrier for this parcel (freight
	// collect, 到付), a decimal string in the return's currency; optional.
	Freight string `json:"freight,omitempty"`
	// Force keeps a code that matches nothing and does not look like a
	// waybill (too short, no digits): the clerk's deliberate second action.
	Force bool `json:"force,omitempty"`
	// LookedUp is the RMA central's online look-up returned for this code, if
	// the caller asked central because nothing matched locally.
	LookedUp *ReturnAuthorization `json:"-"`
	// Validated is the scan ValidateReceive returned for this very input,
	// when the caller checked it before handing the command to storage:
	// Receive then does not check and normalise it again inside the
	// transaction, where every command waits its turn.
	Validated *Scan `json:"-"`
}

// ReceiveResult is the answer to a receiving scan.
type ReceiveResult struct {
	Parcel    *Parcel              `json:"parcel"`
	RMA       *ReturnAuthorization `json:"rma"`
	Duplicate bool                 `json:"duplicate"`
	Matched   bool                 `json:"matched"`
	// MatchedBy says which code found the parcel or its return: tracking,
	// rma, order, label, or box (added on purpose); "" when nothing matched.
	MatchedBy  string       `json:"matched_by,omitempty"`
	Exceptions []*Exception `json:"exceptions"`
	Scan       Scan         `json:"scan"`
}

// Created reports whether the scan created a parcel (HTTP 201).
func (r *ReceiveResult) Created() bool { return !r.Duplicate }

// ValidateReceive checks a receive request before any storage work.
func ValidateReceive(in *ReceiveInput) (Scan, error) {
	var p Problems
	if len(in.Code) > MaxScanLength {
		p.AddCode("code", "scan_too_long", "longer than any waybill barcode")
	}
	if in.Packaging == "" {
		in.Packaging = PackagingIntact
	}
	switch in.Packaging {
	case PackagingIntact, PackagingDamaged, PackagingOpened:
	default:
		p.AddCode("packaging", "packaging_unknown", "must be intact, damaged or opened")
	}
	if in.WeightG != nil && (*in.WeightG < 0 || *in.WeightG > 1000000) {
		p.AddCode("weight_g", "weight_range", "must be between 0 and 1000000 grams")
	}
	if in.Freight != "" {
		if _, err := ParseAmount(in.Freight); err != nil {
			p.AddCode("freight", "freight_amount", err.Error())
		}
	}
	if err := p.Err("the scan cannot be received"); err != nil {
		return Scan{}, err
	}
	s := NormalizeScan(in.Code)
	switch reason, _ := ParcelCodeDoubt(s); reason {
	case ReasonEmpty, ReasonProduct, ReasonStationLabel:
		return s, RefuseScan(reason)
	}
	return s, nil
}

// FindReturn looks for the RMA a scanned code belongs to: by tracking number,
// then RMA number, then order number.
func FindReturn(tx Tx, code string) (*ReturnAuthorization, error) {
	if r, err := tx.RMAByTracking(code); r != nil || err != nil {
		return r, err
	}
	if r, err := tx.RMA(code); r != nil || err != nil {
		return r, err
	}
	rs, err := tx.RMAsByOrder(code)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	// Several RMAs for one order: prefer approved ones, then the newest.
	sort.SliceStable(rs, func(i, j int) bool {
		if (rs[i].Status == RMAApproved) != (rs[j].Status == RMAApproved) {
			return rs[i].Status == RMAApproved
		}
		return rs[i].Version > rs[j].Version
	})
	return rs[0], nil
}

// Receive records an arriving parcel. A second scan of a parcel already here
// answers Duplicate and changes nothing; so does the RMA or order number of a
// return that already has a parcel here (the packing slip inside the box): a
// second box of one return is added on purpose, with AddBox. An unknown
// parcel is kept with an "unmatched" exception and matches itself when its
// RMA arrives; a code that cannot be a parcel's is refused, and one that
// merely looks unlikely (too short, no digits) is kept only with Force.
func Receive(tx Tx, env Env, in ReceiveInput) (*ReceiveResult, error) {
	if err := env.require(RoleOperator, "receiving parcels"); err != nil {
		return nil, err
	}
	var scan Scan
	if in.Validated != nil {
		scan = *in.Validated
	} else {
		var err error
		if scan, err = ValidateReceive(&in); err != nil {
			return nil, err
		}
	}
	res := &ReceiveResult{Scan: scan, Exceptions: []*Exception{}}
	key := scan.Code
	if scan.Kind == ScanLabel {
		key = scan.Label.ID
		p, err := tx.Parcel(key)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, notFound("parcel", key)
		}
		res.MatchedBy = "label"
		return duplicate(tx, res, p)
	}
	if p, err := tx.ParcelByKey(key); err != nil {
		return nil, err
	} else if p != nil {
		return duplicate(tx, res, p)
	}
	if in.LookedUp != nil {
		if _, err := PutReturn(tx, env, in.LookedUp, "lookup"); err != nil {
			return nil, err
		}
	}
	r, err := FindReturn(tx, key)
	if err != nil {
		return nil, err
	}
	if r == nil {
		if reason, hard := ParcelCodeDoubt(scan); reason != "" && (hard || !in.Force) {
			return nil, RefuseScan(reason)
		}
	} else if by := scannedAs(r, key); by != "tracking" {
		ps, err := tx.ParcelsByRMA(r.RMA)
		if err != nil {
			return nil, err
		}
		if len(ps) > 0 {
			res.MatchedBy = by
			return duplicate(tx, res, newestParcel(ps))
		}
	}
	p := &Parcel{ID: env.NewID(), Tracking: key, Carrier: scan.Carrier, ScanRaw: scan.Raw, Status: ParcelOpen,
		Packaging: in.Packaging, WeightG: in.WeightG, ReceivedAt: env.Now(), ReceivedBy: env.Actor, Keys: []string{key}}
	if in.Freight != "" {
		amount, _ := ParseAmount(in.Freight)
		rs, err := tx.Rules()
		if err != nil {
			return nil, err
		}
		p.Freight = &Money{Amount: amount.String(), Currency: rs.ValueRulesOf().Currency}
		if r != nil && currencyRegex.MatchString(r.Refund.Currency) {
			p.Freight.Currency = r.Refund.Currency
		}
	}
	if r != nil {
		res.MatchedBy = scannedAs(r, key)
		// Scanned by RMA or order number: file the parcel under the RMA's own
		// waybill when it has exactly one that has not arrived yet.
		if tr := r.Trackings(); r.RMA != "" && !contains(tr, key) && len(tr) == 1 {
			if other, err := tx.ParcelByKey(tr[0]); err != nil {
				return nil, err
			} else if other == nil {
				p.Tracking = tr[0]
				p.Keys = append(p.Keys, tr[0])
			}
		}
		p.MatchedHow = "scan"
		if in.LookedUp != nil && in.LookedUp.RMA == r.RMA {
			p.MatchedHow = "lookup"
		}
	}
	return res, storeParcel(tx, env, res, p, r)
}

// AddBoxInput is one more box of a return that already has a parcel here:
// its own waybill, scanned.
type AddBoxInput struct {
	Code      string `json:"code"`
	Packaging string `json:"packaging"`
	WeightG   *int   `json:"weight_g,omitempty"`
	Force     bool   `json:"force,omitempty"`
}

// AddBox receives another box of the return parcelID belongs to, as a parcel
// of its own matched to the same RMA. It is the deliberate way to receive a
// multi-box return whose boxes share one waybill (a JD child waybill counts
// as its own) or arrive under the RMA number.
func AddBox(tx Tx, env Env, parcelID string, in AddBoxInput) (*ReceiveResult, error) {
	if err := env.require(RoleOperator, "receiving parcels"); err != nil {
		return nil, err
	}
	rin := ReceiveInput{Code: in.Code, Packaging: in.Packaging, WeightG: in.WeightG}
	scan, err := ValidateReceive(&rin)
	if err != nil {
		return nil, err
	}
	first, err := loadParcel(tx, parcelID)
	if err != nil {
		return nil, err
	}
	if first.RMA == "" {
		return nil, Errorf(EConflict, "parcel %s matches no return yet: match it first, then add its other boxes", first.Tracking).Coded("box_unmatched", "tracking", first.Tracking)
	}
	r, err := tx.RMA(first.RMA)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, notFound("RMA", first.RMA)
	}
	if scan.Kind == ScanLabel {
		return nil, Invalid("code", "scan the new box's waybill, not a station label").Coded("box_is_label")
	}
	if reason, hard := ParcelCodeDoubt(scan); reason != "" && (hard || !in.Force) {
		return nil, RefuseScan(reason)
	}
	key := scan.Code
	// A waybill, RMA or order number of another return is that return's
	// box: filed here, its goods would be inspected against these lines.
	if other, err := FindReturn(tx, key); err != nil {
		return nil, err
	} else if other != nil && other.RMA != r.RMA {
		return nil, Errorf(EConflict, "%s belongs to return %s, not %s: receive that box at the receiving desk as its own parcel", key, other.RMA, r.RMA).Coded("box_other_return", "tracking", key, "rma", other.RMA)
	}
	if other, err := tx.ParcelByKey(key); err != nil {
		return nil, err
	} else if other != nil {
		// A JD child waybill ("…-2-3") normalises to its master, which the
		// first box already holds: the child's full number is this box's own.
		child := NormalizeTracking(strings.TrimSpace(in.Code))
		if taken, err := tx.ParcelByKey(child); err != nil {
			return nil, err
		} else if child == key || taken != nil || !alnum(child) {
			return nil, Errorf(EConflict, "waybill %s is already parcel %s (received %s); scan the new box's own waybill", key, other.ID, other.ReceivedAt.Format(time.DateTime)).Coded("box_waybill_taken", "tracking", key)
		}
		key = child
	}
	p := &Parcel{ID: env.NewID(), Tracking: key, Carrier: scan.Carrier, ScanRaw: scan.Raw, Status: ParcelOpen,
		Packaging: rin.Packaging, WeightG: in.WeightG, ReceivedAt: env.Now(), ReceivedBy: env.Actor, Keys: []string{key},
		MatchedHow: "manual", BoxOf: first.ID}
	res := &ReceiveResult{Scan: scan, Exceptions: []*Exception{}, MatchedBy: "box"}
	return res, storeParcel(tx, env, res, p, r)
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

// storeParcel stores a new parcel p, matched to r when r is not nil, and
// emits its events and exceptions into res.
func storeParcel(tx Tx, env Env, res *ReceiveResult, p *Parcel, r *ReturnAuthorization) error {
	if r != nil {
		p.RMA, p.OrderID = r.RMA, r.OrderID
		if c := shipmentCarrier(r, p.Tracking); c != "" {
			p.Carrier = c
		}
		res.RMA, res.Matched = r, true
	}
	if err := tx.PutParcel(p); err != nil {
		return err
	}
	var rma *string
	if r != nil {
		rma = &r.RMA
	}
	if err := env.emit(tx, "parcel/"+p.ID, ParcelReceivedData{ParcelID: p.ID, Tracking: p.Tracking, Carrier: p.Carrier, RMA: rma,
		ReceivedAt: p.ReceivedAt, Packaging: p.Packaging, WeightG: p.WeightG, Freight: p.Freight}); err != nil {
		return err
	}
	if err := attachShipment(tx, env, p, p.RMA); err != nil {
		return err
	}
	open := func(e *Exception) error {
		e.ParcelID, e.Tracking = p.ID, p.Tracking
		if err := env.openException(tx, e); err != nil {
			return err
		}
		res.Exceptions = append(res.Exceptions, e)
		return nil
	}
	var err error
	if r == nil {
		err = open(&Exception{Code: ExUnmatched, Note: "No return authorization matches this parcel yet; it will match by itself when its RMA arrives. 暂无匹配的退货单，退货单同步后将自动匹配。"})
	} else {
		if err := env.emit(tx, "parcel/"+p.ID, ParcelMatchedData{ParcelID: p.ID, RMA: r.RMA, How: p.MatchedHow}); err != nil {
			return err
		}
		switch r.Status {
		case RMACancelled:
			err = open(&Exception{Code: ExRMACancelled, RMA: r.RMA, Note: "Goods arrived for a cancelled return. 退货单已取消，但货物已到仓。"})
		case RMAClosed:
			err = open(&Exception{Code: ExRMAClosed, RMA: r.RMA, Note: "Goods arrived for a closed return. 退货单已关闭，但货物已到仓。"})
		}
	}
	if err != nil {
		return err
	}
	if e, err := weighParcel(tx, env, p, r, true); err != nil {
		return err
	} else if e != nil {
		res.Exceptions = append(res.Exceptions, e)
	}
	if p.Packaging == PackagingDamaged {
		if err := open(&Exception{Code: ExDamagedInTransit, RMA: p.RMA, Note: "Outer packaging damaged on arrival: photograph it for a carrier claim. 外包装到仓破损，请拍照以便向承运商索赔。"}); err != nil {
			return err
		}
	}
	res.Parcel = p
	return nil
}

// scannedAs says which of r's codes key is: "tracking", "rma" or "order".
func scannedAs(r *ReturnAuthorization, key string) string {
	switch {
	case contains(r.Trackings(), key):
		return "tracking"
	case NormalizeTracking(r.RMA) == key:
		return "rma"
	case NormalizeTracking(r.OrderID) == key:
		return "order"
	}
	return "tracking"
}

// newestParcel is the parcel received last: the box whose slip was just scanned.
func newestParcel(ps []*Parcel) *Parcel {
	n := ps[0]
	for _, p := range ps[1:] {
		if p.ReceivedAt.After(n.ReceivedAt) {
			n = p
		}
	}
	return n
}

func duplicate(tx Tx, res *ReceiveResult, p *Parcel) (*ReceiveResult, error) {
	res.Parcel, res.Duplicate, res.Matched = p, true, p.RMA != ""
	if p.RMA != "" {
		r, err := tx.RMA(p.RMA)
		if err != nil {
			return nil, err
		}
		res.RMA = r
		if res.MatchedBy == "" {
			res.MatchedBy = scannedAs(r, res.Scan.Code)
		}
	}
	exs, err := tx.ExceptionsByParcel(p.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range exs {
		if e.State == ExOpen {
			res.Exceptions = append(res.Exceptions, e)
		}
	}
	return res, nil
}
