package ui_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/station"
)

// TestBrowserShowsWhereTheParcelIs: a return's shipment has carrier news
// (one event arriving late); the clerk scans the parcel on the Receive page
// and then opens it on the Inspect page, and both show the latest status,
// time and place and the history, most recent first.
func TestBrowserShowsWhereTheParcelIs(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	st := startStation(t, nil)
	if _, err := st.db.AddUser(station.User{Username: clerkUser, DisplayName: "李伟", Role: station.RoleOperator}, clerkPIN, ""); err != nil {
		t.Fatal(err)
	}
	const tracking = "SF7100000000001"
	st.mustCall(201, "POST", "/api/v1/returns", rma("RMA-W001", tracking, "home"), nil)
	now := time.Now()
	env := station.Env{StationID: "st-ui", Actor: "carrier:test", Role: station.RoleAdmin, Now: time.Now, NewID: station.NewIDSource(time.Now, rand.Reader).New}
	for i, u := range []station.TrackingUpdate{
		{Status: station.TrackDelivered, OccurredAt: now.Add(-2 * time.Hour), Location: "Dock 2 杭州仓", Description: "signed by the dock"},
		{Status: station.TrackInTransit, OccurredAt: now.Add(-26 * time.Hour), Location: "Shenzhen hub 深圳转运中心"}, // older, arriving late
	} {
		u.Tracking, u.Carrier, u.Provider, u.DedupKey = tracking, "SF", "webhook", fmt.Sprintf("w-%d", i)
		if _, err := st.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			_, err := station.ApplyTracking(tx, env, u)
			return nil, err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, st.url)
	b.acceptLanguage("en-US,en;q=0.9")
	b.reportProblems(t)
	b.do(chromedp.Navigate(st.url + "/receive"))
	b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	b.typeInto("#username", clerkUser)
	b.typeInto("#pin", clerkPIN+kb.Enter)
	b.until("receive page", `location.pathname === '/receive' && document.body.dataset.ready === 'true'`)

	// history checks the shipment block inside root: status, place, and the
	// history newest first.
	history := func(root string) {
		t.Helper()
		sel := root + " .ship[data-tracking='" + tracking + "']"
		b.until("the shipment under "+root, fmt.Sprintf(`document.querySelector(%q)`, sel))
		if s := eval[string](b, fmt.Sprintf(`document.querySelector(%q).dataset.status`, sel)); s != "delivered" {
			t.Errorf("%s: shipment status %q, want delivered", root, s)
		}
		b.wantText(sel+" .ship-now", tracking, "delivered", "Dock 2 杭州仓")
		steps := eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map((li) => li.textContent)`, sel+" .ship-hist li"))
		if len(steps) != 2 || !strings.Contains(steps[0], "delivered") || !strings.Contains(steps[0], "signed by the dock") ||
			!strings.Contains(steps[1], "in transit") || !strings.Contains(steps[1], "Shenzhen hub") {
			t.Errorf("%s: history %q, want delivered then in transit, newest first", root, steps)
		}
		if summary := b.text(sel + " .ship-hist summary"); !strings.Contains(summary, "2 events") {
			t.Errorf("%s: history summary %q", root, summary)
		}
	}
	b.wedge(tracking)
	b.until("answer", `document.getElementById('result').dataset.seq === '1'`)
	history("#result")
	b.screenshot("en-tracking-receive", 1366, 900)

	var parcels struct {
		Parcels []station.Parcel `json:"parcels"`
	}
	st.mustCall(200, "GET", "/api/v1/parcels?tracking="+tracking, nil, &parcels)
	if len(parcels.Parcels) != 1 {
		t.Fatalf("%d parcels for %s", len(parcels.Parcels), tracking)
	}
	b.open("/inspect?parcel=" + parcels.Parcels[0].ID)
	history("#parcel")
	b.screenshot("en-tracking-inspect", 1366, 900)
}
