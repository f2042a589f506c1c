package station

import (
	"sort"
	"strings"
	"time"
)

// Tote states.
const (
	ToteOpen   = "open"   // taking units
	ToteClosed = "closed" // full and labelled: it takes nothing more
)

// EventToteClosed: a tote was closed (its label printed) and takes no more units.
const EventToteClosed = "returns.tote.closed"

// Tote is a put-away container. It takes units of one disposition: the first
// unit sets it, and it is free again once emptied.
type Tote struct {
	ID          string     `json:"id"` // canonical, "T-0007"
	Disposition string     `json:"disposition,omitempty"`
	Units       int        `json:"units"`
	Status      string     `json:"status"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	ClosedBy    string     `json:"closed_by,omitempty"`
}

// ToteClosedData is the data of a returns.tote.closed event.
type ToteClosedData struct {
	ToteID      string   `json:"tote_id"`
	Disposition string   `json:"disposition"`
	Units       []string `json:"units"`
}

// EventType implements EventData.
func (ToteClosedData) EventType() string { return EventToteClosed }

// loadTote returns the tote with canonical id, or an empty open one.
func loadTote(tx Tx, id string) (*Tote, error) {
	t, err := tx.Tote(id)
	if err != nil || t != nil {
		return t, err
	}
	return &Tote{ID: id, Status: ToteOpen}, nil
}

// putIntoTote checks that u may go into tote id and counts it in. A closed
// tote takes nothing; a tote holding another disposition is refused with
// the totes that hold u's.
func putIntoTote(tx Tx, u *Unit, id string) error {
	t, err := loadTote(tx, id)
	if err != nil {
		return err
	}
	if err := checkTote(tx, t, u.Result.Disposition, t.Units); err != nil {
		return err
	}
	t.Disposition = u.Result.Disposition
	t.Units++
	return tx.PutTote(t)
}

// keepInTote checks that u, already in container id, still belongs there: a
// tote it has to itself takes its disposition, one it shares must hold it.
func keepInTote(tx Tx, u *Unit, id, kind string) error {
	if kind != "tote" {
		return nil
	}
	t, err := loadTote(tx, id)
	if err != nil || t.Disposition == u.Result.Disposition {
		return err
	}
	if err := checkTote(tx, t, u.Result.Disposition, t.Units-1); err != nil {
		return err
	}
	t.Disposition = u.Result.Disposition
	return tx.PutTote(t)
}

// checkTote refuses to put a unit of disposition disp into tote t, which
// holds `others` units besides it: a closed tote takes nothing; a tote holding
// another disposition is refused with the totes that hold disp.
func checkTote(tx Tx, t *Tote, disp string, others int) error {
	id := t.ID
	if t.Status == ToteClosed {
		return &Error{Code: EConflict, Key: "tote_closed", Args: map[string]string{"tote": id},
			Message: "tote " + id + " is closed (its label is printed); put the unit into an open tote for " + disp + ". 周转箱 " + id + " 已封箱，请放入其他 " + disp + " 周转箱。",
			Fields:  []FieldError{{Field: "to", Code: "tote_closed", Detail: "tote " + id + " is closed"}}}
	}
	if t.Disposition != "" && others > 0 && t.Disposition != disp {
		others, err := totesFor(tx, disp, id)
		if err != nil {
			return err
		}
		where, whereZH := "an empty tote", "一个空周转箱"
		if len(others) > 0 {
			where, whereZH = strings.Join(others, " or "), strings.Join(others, " 或 ")
		}
		return &Error{Code: EConflict, Key: "tote_disposition", Args: map[string]string{"tote": id, "holds": t.Disposition, "disposition": disp, "where": strings.Join(others, ", ")},
			Message: "tote " + id + " holds " + t.Disposition + " units; this unit is " + disp + ": put it into " + where + ". " +
				"周转箱 " + id + " 装的是 " + t.Disposition + "，此商品为 " + disp + "，请放入" + whereZH + "。",
			Fields: []FieldError{{Field: "to", Code: "tote_disposition", Detail: "tote " + id + " holds " + t.Disposition + "; use " + where}}}
	}
	return nil
}

// leaveContainer takes u out of its tote or location; an emptied tote is
// free for any disposition again.
func leaveContainer(tx Tx, u *Unit) error {
	if u.LocationKind == "tote" && u.Location != "" {
		t, err := tx.Tote(u.Location)
		if err != nil {
			return err
		}
		if t != nil {
			if t.Units > 0 {
				t.Units--
			}
			if t.Units == 0 {
				t.Disposition = ""
			}
			if err := tx.PutTote(t); err != nil {
				return err
			}
		}
	}
	u.Location, u.LocationKind = "", ""
	return nil
}

// totesFor lists the open totes that hold disposition disp, fullest first,
// leaving out except.
func totesFor(tx Tx, disp, except string) ([]string, error) {
	var ts []*Tote
	err := tx.Totes(func(t *Tote) error {
		if t.Status == ToteOpen && t.Units > 0 && t.Disposition == disp && t.ID != except {
			ts = append(ts, t)
		}
		return nil
	})
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Units > ts[j].Units })
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.ID)
	}
	if len(out) > 3 {
		out = out[:3]
	}
	return out, err
}

// Placement is where the station suggests putting a unit away.
type Placement struct {
	Disposition string `json:"disposition"`
	// Totes are open totes already holding this disposition, fullest first;
	// none means "start an empty tote".
	Totes []string `json:"totes"`
	// Locations are the location prefixes a held unit must go to (quarantine).
	Locations []string `json:"locations,omitempty"`
	Held      string   `json:"held,omitempty"` // why the unit is held
}

// SuggestPlacement says where an inspected unit goes: a quarantine location
// while it is held, else an open tote of its disposition (or an empty one).
func SuggestPlacement(tx Tx, u *Unit) (*Placement, error) {
	if u.Status != UnitInspected || u.Result == nil {
		return nil, nil
	}
	rs, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	pl := &Placement{Disposition: u.Result.Disposition, Totes: []string{}}
	why, err := heldBy(tx, rs, u)
	if err != nil {
		return nil, err
	}
	if why != "" {
		pl.Held, pl.Locations = why, rs.QuarantineLocations()
		return pl, nil
	}
	pl.Totes, err = totesFor(tx, pl.Disposition, "")
	return pl, err
}

// ToteView is a tote with what it holds.
type ToteView struct {
	*Tote
	UnitList []*Unit `json:"unit_list"`
}

// LoadTote assembles a ToteView for a tote code (label or typed).
func LoadTote(tx Tx, code string) (*ToteView, error) {
	id, kind, ok := ParseContainer(code)
	if !ok || kind != "tote" {
		return nil, Invalid("id", "a tote code such as T-0007").Coded("tote_code")
	}
	return toteView(tx, id)
}

// toteView assembles the ToteView of a tote by canonical id.
func toteView(tx Tx, id string) (*ToteView, error) {
	t, err := loadTote(tx, id)
	if err != nil {
		return nil, err
	}
	us, err := tx.UnitsAt(id)
	if err != nil {
		return nil, err
	}
	if us == nil {
		us = []*Unit{}
	}
	return &ToteView{Tote: t, UnitList: us}, nil
}

// CloseTote closes a tote that holds units: it takes no more, and its label
// (printed by the caller) says what it holds.
func CloseTote(tx Tx, env Env, code string) (*ToteView, error) {
	if err := env.require(RoleOperator, "closing totes"); err != nil {
		return nil, err
	}
	v, err := LoadTote(tx, code)
	if err != nil {
		return nil, err
	}
	if v.Status == ToteClosed {
		return v, nil
	}
	if len(v.UnitList) == 0 {
		return nil, Errorf(EConflict, "tote %s is empty: there is nothing to close", v.ID).Coded("tote_empty", "tote", v.ID)
	}
	if err := refuseMisplaced(tx, v); err != nil {
		return nil, err
	}
	now := env.Now()
	v.Status, v.ClosedAt, v.ClosedBy, v.UpdatedAt = ToteClosed, &now, env.Actor, now
	if err := tx.PutTote(v.Tote); err != nil {
		return nil, err
	}
	data := ToteClosedData{ToteID: v.ID, Disposition: v.Disposition, Units: []string{}}
	for _, u := range v.UnitList {
		data.Units = append(data.Units, u.ID)
	}
	if err := env.emit(tx, "tote/"+v.ID, data); err != nil {
		return nil, err
	}
	return v, nil
}

// refuseMisplaced keeps a tote from closing while it holds a unit that no
// longer belongs in it: regraded since it went in, to another disposition
// (held for review, or going back to the customer), or held by an
// exception opened since. Its label would send that unit where its
// disposition does not go, or to stock before a supervisor has decided.
func refuseMisplaced(tx Tx, v *ToteView) error {
	var out []string
	for _, u := range v.UnitList {
		held, err := heldByException(tx, u)
		if err != nil {
			return err
		}
		if held || u.Result == nil || u.Result.Disposition != v.Disposition {
			out = append(out, u.ID)
		}
	}
	if len(out) == 0 {
		return nil
	}
	units := strings.Join(out, ", ")
	return Errorf(EConflict, "tote %s holds %s units, but %s no longer goes there (regraded or held for review since it went in): take it out and put it away again, then close the tote. "+
		"周转箱 %s 装的是 %s，但 %s 已改判或待审核、不再属于此箱：请取出重新上架后再封箱。", v.ID, v.Disposition, units, v.ID, v.Disposition, units).
		Coded("tote_mixed", "tote", v.ID, "holds", v.Disposition, "units", units)
}
