package station

import "time"

// LabelFor builds what the label of a station object shows: a unit (with its
// grade, disposition and RMA), a parcel, a tote or a location.
func LabelFor(tx Tx, code LabelCode, stationID string, now time.Time) (*LabelContent, error) {
	c := &LabelContent{Code: code, Title: code.ID, Date: now, Station: stationID}
	switch code.Kind {
	case LabelUnit:
		u, err := tx.Unit(code.ID)
		if err != nil {
			return nil, err
		}
		if u == nil {
			return nil, notFound("unit", code.ID)
		}
		c.SKU, c.Name, c.RMA = u.SKU, u.Name, u.RMA
		if u.Result != nil {
			c.Grade, c.Disposition, c.Date = u.Result.Grade, u.Result.Disposition, u.Result.InspectedAt
		}
		c.Destination = u.Location
	case LabelParcel:
		p, err := tx.Parcel(code.ID)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, notFound("parcel", code.ID)
		}
		c.Title, c.RMA, c.Date = p.Tracking, p.RMA, p.ReceivedAt
	case LabelTote:
		c.Title = canonicalContainer("T-", code.ID)
		c.Code.ID = c.Title
		t, err := tx.Tote(c.Title)
		if err != nil {
			return nil, err
		}
		if t != nil { // what it holds, so the tote's label says where it goes
			c.Disposition = t.Disposition
		}
	case LabelLocation:
		c.Title = canonicalContainer("L-", code.ID)
		c.Code.ID = c.Title
	}
	c.clip()
	return c, nil
}

// PrintRequest asks for labels on a network printer. Exactly one of Unit,
// Parcel, Tote, Location is set.
type PrintRequest struct {
	Unit     string `json:"unit,omitempty"`
	Parcel   string `json:"parcel,omitempty"`
	Tote     string `json:"tote,omitempty"`
	Location string `json:"location,omitempty"`
	Printer  string `json:"printer"`
	Copies   int    `json:"copies,omitempty"`
}

// Code returns the label the request is for, or a problem naming the field.
func (r *PrintRequest) Code() (LabelCode, error) {
	var p Problems
	var codes []LabelCode
	if r.Unit != "" {
		codes = append(codes, LabelCode{LabelUnit, r.Unit})
	}
	if r.Parcel != "" {
		codes = append(codes, LabelCode{LabelParcel, r.Parcel})
	}
	if r.Tote != "" {
		id, kind, ok := ParseContainer(r.Tote)
		if !ok || kind != "tote" {
			p.AddCode("tote", "tote_code", "a tote code such as T-0012")
		}
		codes = append(codes, LabelCode{LabelTote, id})
	}
	if r.Location != "" {
		id, kind, ok := ParseContainer(r.Location)
		if !ok || kind != "location" {
			p.AddCode("location", "location_code", "a location code such as L-01-02")
		}
		codes = append(codes, LabelCode{LabelLocation, id})
	}
	if len(codes) != 1 {
		p.AddCode("unit", "print_one_target", "name exactly one of unit, parcel, tote or location")
	}
	if r.Printer == "" {
		p.AddCode("printer", "printer_required", "required: the name of a configured printer")
	}
	if r.Copies == 0 {
		r.Copies = 1
	}
	if r.Copies < 1 || r.Copies > 50 {
		p.AddCode("copies", "copies_range", "between 1 and 50")
	}
	if err := p.Err("the print request is not valid"); err != nil {
		return LabelCode{}, err
	}
	return codes[0], nil
}
