package station

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Cents is an amount of money in hundredths of the currency unit. Decimal
// strings from central are parsed into it exactly; no float ever holds money.
type Cents int64

// ParseAmount parses a decimal string such as "199.00" or "5" (at most two
// decimals, not negative).
func ParseAmount(s string) (Cents, error) {
	if s == "" {
		return 0, errors.New("required: a decimal string such as \"199.00\"")
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || (hasDot && (len(frac) == 0 || len(frac) > 2)) {
		return 0, fmt.Errorf("%q is not a decimal amount with at most two decimals", s)
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a decimal amount with at most two decimals", s)
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return Cents(w*100 + f), nil
}

// String formats c with two decimals, as central expects.
func (c Cents) String() string {
	return fmt.Sprintf("%d.%02d", int64(c)/100, int64(c)%100)
}

// Percent returns c × pct / 100, rounded half up to the cent.
func (c Cents) Percent(pct int) Cents {
	return Cents((int64(c)*int64(pct) + 50) / 100)
}
