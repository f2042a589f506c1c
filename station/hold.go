package station

import "strings"

// A unit is held when its refund needs a person: its disposition is the
// rules' hold disposition (quarantine) or it has an open exception. A held
// unit may only be put away into a quarantine location, so nothing under
// review is restocked, sent to a vendor or destroyed before a supervisor has
// decided (and regraded it, which gives it its final disposition).

// heldBy returns why u is held ("" when it is not): its quarantine
// disposition or the code of an open exception on it.
func heldBy(tx Tx, rs *RuleSet, u *Unit) (string, error) {
	if u.Result != nil && u.Result.Disposition == rs.HoldDisposition() {
		return "disposition " + u.Result.Disposition, nil
	}
	return openExceptionOn(tx, u)
}

// openExceptionOn returns "open exception CODE" for the first open exception
// about u, or "".
func openExceptionOn(tx Tx, u *Unit) (string, error) {
	exs, err := tx.ExceptionsByParcel(u.ParcelID)
	if err != nil {
		return "", err
	}
	for _, e := range exs {
		if e.UnitID == u.ID && e.State == ExOpen {
			return "open exception " + e.Code, nil
		}
	}
	return "", nil
}

func heldByException(tx Tx, u *Unit) (bool, error) {
	why, err := openExceptionOn(tx, u)
	return why != "", err
}

// checkHold refuses to put a held unit anywhere but a quarantine location.
func checkHold(tx Tx, rs *RuleSet, u *Unit, to, kind string) error {
	why, err := heldBy(tx, rs, u)
	if err != nil || why == "" {
		return err
	}
	if kind == "location" && rs.IsQuarantineLocation(to) {
		return nil
	}
	prefixes := strings.Join(rs.QuarantineLocations(), "…, ") + "…"
	return &Error{Code: EConflict, Key: "unit_held", Args: map[string]string{"locations": prefixes},
		Message: "unit " + u.ID + " is held for review (" + why + "): put it into a quarantine location (" + prefixes + ") until a supervisor resolves it. 该商品待审核，只能放入隔离库位（" + prefixes + "），待主管处理。",
		Fields:  []FieldError{{Field: "to", Code: "unit_held", Detail: "only a quarantine location (" + prefixes + ") while the unit is held"}}}
}
