package station

import (
	"strings"
)

// SearchHit is one thing a search found: a parcel, a unit, a return, a tote
// or a location, and which of its codes matched.
type SearchHit struct {
	Kind      string               `json:"kind"`       // parcel, unit, rma, tote, location
	MatchedBy string               `json:"matched_by"` // tracking, rma, order, phone, serial, label, id, return
	Parcel    *Parcel              `json:"parcel,omitempty"`
	Unit      *Unit                `json:"unit,omitempty"`
	RMA       *ReturnAuthorization `json:"rma,omitempty"`
	Tote      *ToteView            `json:"tote,omitempty"`
	Location  string               `json:"location,omitempty"`
}

// MaxSearchHits bounds one search's answer.
const MaxSearchHits = 50

// Search finds what a clerk typed or scanned into one box: a tracking
// number, an RMA or order number, the last digits of the customer's phone,
// a serial number, a station label or id, a tote or location code. Case,
// spaces, dashes and full-width characters do not matter. A return found
// brings its parcels.
func Search(tx Tx, q string) ([]SearchHit, error) {
	q = strings.TrimSpace(narrow(q))
	if q == "" || len(q) > MaxScanLength {
		return nil, Invalid("q", "type or scan a tracking, RMA, order, phone tail, serial or label").Coded("search_empty")
	}
	s := &searcher{tx: tx, seen: map[string]bool{}}
	scan := NormalizeScan(q)
	key := scan.Code
	if scan.Label != nil {
		return s.label(*scan.Label)
	}
	// "T-0007", and "T 0007" as a clerk types it with a space.
	if typed := strings.ToUpper(q); containerTyped.MatchString(typed) || containerTyped.MatchString(strings.Join(strings.Fields(typed), "-")) {
		if id, kind, ok := ParseContainer(q); ok {
			return s.container(id, kind)
		}
	}
	if p, err := tx.ParcelByKey(key); err != nil {
		return nil, err
	} else if p != nil {
		s.add(SearchHit{Kind: "parcel", MatchedBy: "tracking", Parcel: p})
	}
	if r, err := tx.RMAByTracking(key); err != nil {
		return nil, err
	} else if r != nil {
		by := scannedAs(r, key)
		if by == "tracking" && !contains(r.Trackings(), key) {
			by = "rma"
		}
		if err := s.rma(r, by); err != nil {
			return nil, err
		}
	}
	for _, id := range []string{q, strings.ToUpper(q), key} {
		if r, err := tx.RMA(id); err != nil {
			return nil, err
		} else if r != nil {
			if err := s.rma(r, "rma"); err != nil {
				return nil, err
			}
		}
	}
	rs, err := tx.RMAsByOrder(key)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if err := s.rma(r, "order"); err != nil {
			return nil, err
		}
	}
	if allDigits(q) && len(q) >= 3 && len(q) <= 4 {
		rs, err := tx.RMAsByPhone(q)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if err := s.rma(r, "phone"); err != nil {
				return nil, err
			}
		}
	}
	// A serial typed, or carried by the product's own GS1 barcode (AI 21).
	for _, serial := range []string{q, scan.Serial} {
		if serial == "" {
			continue
		}
		ids, err := tx.UnitsBySerial(serial)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if u, err := tx.Unit(id); err != nil {
				return nil, err
			} else if u != nil {
				s.add(SearchHit{Kind: "unit", MatchedBy: "serial", Unit: u})
			}
		}
	}
	if id := strings.ToUpper(q); len(id) == 26 {
		if u, err := tx.Unit(id); err != nil {
			return nil, err
		} else if u != nil {
			s.add(SearchHit{Kind: "unit", MatchedBy: "id", Unit: u})
		}
		if p, err := tx.Parcel(id); err != nil {
			return nil, err
		} else if p != nil {
			s.add(SearchHit{Kind: "parcel", MatchedBy: "id", Parcel: p})
		}
	}
	return s.hits, nil
}

type searcher struct {
	tx   Tx
	hits []SearchHit
	seen map[string]bool
}

// ObjectID is the id of what the hit found: the parcel's, unit's, tote's or
// location's id, or the RMA number.
func (h SearchHit) ObjectID() string {
	switch {
	case h.Parcel != nil:
		return h.Parcel.ID
	case h.Unit != nil:
		return h.Unit.ID
	case h.RMA != nil:
		return h.RMA.RMA
	case h.Tote != nil:
		return h.Tote.ID
	}
	return h.Location
}

func (s *searcher) add(h SearchHit) {
	id := h.ObjectID()
	if s.seen[h.Kind+"/"+id] || len(s.hits) >= MaxSearchHits {
		return
	}
	s.seen[h.Kind+"/"+id] = true
	s.hits = append(s.hits, h)
}

// rma adds a return and the parcels received for it.
func (s *searcher) rma(r *ReturnAuthorization, by string) error {
	s.add(SearchHit{Kind: "rma", MatchedBy: by, RMA: r})
	ps, err := s.tx.ParcelsByRMA(r.RMA)
	for _, p := range ps {
		s.add(SearchHit{Kind: "parcel", MatchedBy: "return", Parcel: p})
	}
	return err
}

func (s *searcher) label(c LabelCode) ([]SearchHit, error) {
	switch c.Kind {
	case LabelUnit:
		u, err := s.tx.Unit(c.ID)
		if u != nil {
			s.add(SearchHit{Kind: "unit", MatchedBy: "label", Unit: u})
		}
		return s.hits, err
	case LabelParcel:
		p, err := s.tx.Parcel(c.ID)
		if p != nil {
			s.add(SearchHit{Kind: "parcel", MatchedBy: "label", Parcel: p})
		}
		return s.hits, err
	case LabelTote:
		return s.container(canonicalContainer("T-", c.ID), "tote")
	}
	return s.container(canonicalContainer("L-", c.ID), "location")
}

func (s *searcher) container(id, kind string) ([]SearchHit, error) {
	if kind == "tote" {
		v, err := toteView(s.tx, id)
		if err != nil {
			return nil, err
		}
		s.add(SearchHit{Kind: "tote", MatchedBy: "label", Tote: v})
		return s.hits, nil
	}
	s.add(SearchHit{Kind: "location", MatchedBy: "label", Location: id})
	us, err := s.tx.UnitsAt(id)
	for _, u := range us {
		s.add(SearchHit{Kind: "unit", MatchedBy: "location", Unit: u})
	}
	return s.hits, err
}

// QueuedParcel is a parcel waiting for inspection, with how long it has waited.
type QueuedParcel struct {
	*Parcel
	AgeSeconds int64 `json:"age_seconds"`
}
