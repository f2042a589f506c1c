package station

import (
	"strings"
	"testing"
)

// TestStandInCostsAFullCheck: the stand-in hash that an unknown name is
// checked against has the full iteration count, so checking nobody costs
// what checking somebody does.
func TestStandInCostsAFullCheck(t *testing.T) {
	if h := standInPINHash(); !strings.HasPrefix(h, "pbkdf2-sha256$210000$") || len(strings.Split(h, "$")) != 4 {
		t.Errorf("stand-in hash %q: want the pbkdf2-sha256 form at 210000 iterations", h)
	}
}
