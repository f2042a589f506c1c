package station_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"returns-station/station"
)

func ptr[T any](v T) *T { return &v }

// fieldsOf lists the fields an error names, in order.
func fieldsOf(err error) []string {
	var out []string
	for _, f := range station.Fields(err) {
		out = append(out, f.Field)
	}
	return out
}

func TestNormalizeUsername(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"li.wei", "li.wei"},
		{"  Li.Wei\t", "li.wei"},
		{"U3 ", "u3"},
		{"", ""},
		{"王芳", "王芳"}, // refused later by ValidateNewUser, not mangled here
	} {
		if got := station.NormalizeUsername(tc.in); got != tc.want {
			t.Errorf("NormalizeUsername(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBadgeHash(t *testing.T) {
	h := station.BadgeHash("BADGE-0042")
	if len(h) != 64 || h == "BADGE-0042" {
		t.Fatalf("BadgeHash = %q, want 64 hex digits of a digest, not the badge", h)
	}
	if got := station.BadgeHash(" BADGE-0042\r\n"); got != h {
		t.Errorf("a scanner's spaces and line end change the hash: %q vs %q", got, h)
	}
	if got := station.BadgeHash("badge-0042"); got == h {
		t.Error("badges differing in case hash alike; a badge code is compared exactly")
	}
}

func TestValidateNewUser(t *testing.T) {
	for _, tc := range []struct {
		name   string
		u      station.User
		pin    string
		fields []string
	}{
		{"operator", station.User{Username: "li.wei", Role: station.RoleOperator}, "2468", nil},
		{"admin with long PIN", station.User{Username: "a1", Role: station.RoleAdmin}, "123456789012", nil},
		{"one letter", station.User{Username: "a", Role: station.RoleOperator}, "2468", []string{"username"}},
		{"upper case", station.User{Username: "Li.Wei", Role: station.RoleOperator}, "2468", []string{"username"}},
		{"starts with a dot", station.User{Username: ".li", Role: station.RoleOperator}, "2468", []string{"username"}},
		{"33 characters", station.User{Username: "a2345678901234567890123456789012x", Role: station.RoleOperator}, "2468", []string{"username"}},
		{"PIN too short", station.User{Username: "li.wei", Role: station.RoleOperator}, "246", []string{"pin"}},
		{"PIN too long", station.User{Username: "li.wei", Role: station.RoleOperator}, "1234567890123", []string{"pin"}},
		{"PIN with letters", station.User{Username: "li.wei", Role: station.RoleOperator}, "24a8", []string{"pin"}},
		{"central is a machine's role", station.User{Username: "li.wei", Role: station.RoleCentral}, "2468", []string{"role"}},
		{"no role", station.User{Username: "li.wei"}, "2468", []string{"role"}},
		{"display name too long", station.User{Username: "li.wei", Role: station.RoleOperator, DisplayName: string(make([]byte, 65))}, "2468", []string{"display_name"}},
		{"everything wrong names everything", station.User{Username: "", Role: "boss"}, "", []string{"username", "pin", "role"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.u
			err := station.ValidateNewUser(&u, tc.pin)
			if got := fieldsOf(err); !slices.Equal(got, tc.fields) {
				t.Fatalf("fields at fault %v, want %v (err %v)", got, tc.fields, err)
			}
			if err != nil && station.ErrorCode(err) != station.EInvalid {
				t.Errorf("code %q, want %q", station.ErrorCode(err), station.EInvalid)
			}
		})
	}
}

func TestUserChangeValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ch     station.UserChange
		fields []string
	}{
		{"nothing", station.UserChange{}, nil},
		{"to supervisor", station.UserChange{Role: ptr(station.RoleSupervisor)}, nil},
		{"to central", station.UserChange{Role: ptr(station.RoleCentral)}, []string{"role"}},
		{"new PIN", station.UserChange{PIN: ptr("97531")}, nil},
		{"PIN of 3", station.UserChange{PIN: ptr("975")}, []string{"pin"}},
		{"badge removed", station.UserChange{Badge: ptr("")}, nil},
		{"long name and bad role", station.UserChange{Role: ptr("x"), DisplayName: ptr(string(make([]byte, 65)))}, []string{"role", "display_name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fieldsOf(tc.ch.Validate()); !slices.Equal(got, tc.fields) {
				t.Errorf("fields at fault %v, want %v", got, tc.fields)
			}
		})
	}
}

// TestUserApply: what each change does to the account, what the event
// records, and which changes sign the person out everywhere.
func TestUserApply(t *testing.T) {
	created := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	earlier := created.Add(time.Hour)
	base := func() station.User {
		return station.User{Username: "li.wei", DisplayName: "李伟", Role: station.RoleOperator, PINHash: "old-pin", BadgeHash: "old-badge", CreatedAt: created}
	}
	disabled := func() station.User { u := base(); u.DisabledAt = &earlier; return u }
	for _, tc := range []struct {
		name    string
		u       station.User
		ch      station.UserChange
		want    func(*station.User)
		event   station.UserChangedData
		signOut bool
	}{
		{name: "nothing", u: base(), ch: station.UserChange{},
			want: func(*station.User) {}, event: station.UserChangedData{Username: "li.wei"}},
		{name: "display name keeps the session", u: base(), ch: station.UserChange{DisplayName: ptr("李伟 (夜班)")},
			want:  func(u *station.User) { u.DisplayName = "李伟 (夜班)" },
			event: station.UserChangedData{Username: "li.wei", DisplayName: ptr("李伟 (夜班)")}},
		{name: "new role signs out", u: base(), ch: station.UserChange{Role: ptr(station.RoleSupervisor)},
			want:  func(u *station.User) { u.Role = station.RoleSupervisor },
			event: station.UserChangedData{Username: "li.wei", Role: ptr(station.RoleSupervisor)}, signOut: true},
		{name: "same role is no change", u: base(), ch: station.UserChange{Role: ptr(station.RoleOperator)},
			want: func(*station.User) {}, event: station.UserChangedData{Username: "li.wei"}},
		{name: "new PIN signs out, event never holds it", u: base(), ch: station.UserChange{PIN: ptr("97531")},
			want:  func(u *station.User) { u.PINHash = "new-pin" },
			event: station.UserChangedData{Username: "li.wei", PIN: "changed"}, signOut: true},
		{name: "new badge", u: base(), ch: station.UserChange{Badge: ptr("BADGE-7")},
			want:  func(u *station.User) { u.BadgeHash = "new-badge" },
			event: station.UserChangedData{Username: "li.wei", Badge: "changed"}},
		{name: "badge removed", u: base(), ch: station.UserChange{Badge: ptr("")},
			want:  func(u *station.User) { u.BadgeHash = "" },
			event: station.UserChangedData{Username: "li.wei", Badge: "removed"}},
		{name: "disabled now signs out", u: base(), ch: station.UserChange{Disabled: ptr(true)},
			want:  func(u *station.User) { u.DisabledAt = &now },
			event: station.UserChangedData{Username: "li.wei", Disabled: ptr(true)}, signOut: true},
		{name: "disabling twice keeps the first time", u: disabled(), ch: station.UserChange{Disabled: ptr(true)},
			want: func(*station.User) {}, event: station.UserChangedData{Username: "li.wei"}},
		{name: "enabled again", u: disabled(), ch: station.UserChange{Disabled: ptr(false)},
			want:  func(u *station.User) { u.DisabledAt = nil },
			event: station.UserChangedData{Username: "li.wei", Disabled: ptr(false)}},
		{name: "enabling an enabled account is no change", u: base(), ch: station.UserChange{Disabled: ptr(false)},
			want: func(*station.User) {}, event: station.UserChangedData{Username: "li.wei"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.u
			want := tc.u
			tc.want(&want)
			event, signOut := u.Apply(tc.ch, "new-pin", "new-badge", now)
			if !reflect.DeepEqual(u, want) {
				t.Errorf("account\n got %+v\nwant %+v", u, want)
			}
			if !reflect.DeepEqual(event, tc.event) {
				t.Errorf("event\n got %+v\nwant %+v", event, tc.event)
			}
			if signOut != tc.signOut {
				t.Errorf("sign out %v, want %v", signOut, tc.signOut)
			}
		})
	}
}

func TestUserCanSignIn(t *testing.T) {
	at := time.Now()
	var nobody *station.User
	for _, tc := range []struct {
		name string
		u    *station.User
		want bool
	}{
		{"active", &station.User{Username: "li.wei"}, true},
		{"disabled", &station.User{Username: "li.wei", DisabledAt: &at}, false},
		{"no such account", nobody, false},
	} {
		if got := tc.u.CanSignIn(); got != tc.want {
			t.Errorf("%s: CanSignIn %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAccountErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		code, key string
	}{
		{"user exists", station.UserExists("li.wei"), station.EConflict, "user_exists"},
		{"no such user", station.UserNotFound("li.wei"), station.ENotFound, "not_found_user"},
		{"badge taken", station.BadgeTaken(), station.EConflict, "badge_taken"},
		{"set-up done", station.SetupDone(), station.EConflict, "setup_done"},
		{"token exists", station.TokenExists("scanner-1"), station.EConflict, "token_exists"},
		{"no such token", station.TokenNotFound("scanner-1"), station.ENotFound, "not_found_token"},
		{"printer unknown", station.PrinterUnknown("zebra-9"), station.EInvalid, "printer_unknown"},
		{"no such printer", station.PrinterNotFound("zebra-9"), station.ENotFound, "not_found_printer"},
		{"no such job", station.JobNotFound("J1"), station.ENotFound, "not_found_job"},
	} {
		var e *station.Error
		if !errors.As(tc.err, &e) || e.Code != tc.code || e.Key != tc.key || e.Message == "" {
			t.Errorf("%s: %#v, want code %s key %s and a message", tc.name, tc.err, tc.code, tc.key)
		}
	}
	if station.PrinterUnknown("zebra-9").(*station.Error).Fields[0].Field != "printer" {
		t.Error("an unknown printer does not name the printer field")
	}
}

func TestValidateNewToken(t *testing.T) {
	for _, tc := range []struct {
		name, token, role string
		fields            []string
	}{
		{"handheld", "handheld-3", station.RoleOperator, nil},
		{"central may read the feed", "central", station.RoleCentral, nil},
		{"one character", "a", station.RoleAdmin, nil},
		{"64 characters", "a" + string(slices.Repeat([]byte("b"), 63)), station.RoleAdmin, nil},
		{"65 characters", "a" + string(slices.Repeat([]byte("b"), 64)), station.RoleAdmin, []string{"name"}},
		{"upper case", "Handheld", station.RoleOperator, []string{"name"}},
		{"starts with a dash", "-x", station.RoleOperator, []string{"name"}},
		{"empty name and unknown role", "", "root", []string{"name", "role"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fieldsOf(station.ValidateNewToken(tc.token, tc.role)); !slices.Equal(got, tc.fields) {
				t.Errorf("fields at fault %v, want %v", got, tc.fields)
			}
		})
	}
}

func TestTokenRevoke(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	tok := &station.Token{Name: "handheld-3", Role: station.RoleOperator}
	if !tok.Live() {
		t.Fatal("a new token is not live")
	}
	tok.Revoke("user:admin", now)
	if tok.Live() || tok.RevokedAt == nil || !tok.RevokedAt.Equal(now) || tok.RevokedBy != "user:admin" {
		t.Fatalf("after Revoke: %+v, want revoked at %s by user:admin", tok, now)
	}
	tok.Revoke("user:other", now.Add(time.Hour))
	if !tok.RevokedAt.Equal(now) || tok.RevokedBy != "user:admin" {
		t.Errorf("a second Revoke rewrote who and when: %+v", tok)
	}
	var none *station.Token
	if none.Live() {
		t.Error("no token is live")
	}
}

// TestPrintJobLifecycle follows a job through its states: queued, sending,
// a failed attempt back in the queue, printed (with its event), and a job
// that can never print leaving the queue.
func TestPrintJobLifecycle(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	content := station.LabelContent{Code: station.LabelCode{Kind: station.LabelUnit, ID: "U1"}, Title: "U1"}
	j := station.NewPrintJob("J1", "zebra-1", content, "user:li.wei", t0)
	if j.State != station.JobQueued || !j.Waiting() || !j.CreatedAt.Equal(t0) || !j.UpdatedAt.Equal(t0) || j.Attempts != 0 {
		t.Fatalf("new job %+v: want queued at %s with no attempts", j, t0)
	}
	j.Sending()
	if j.State != station.JobSending || !j.Waiting() {
		t.Fatalf("sending job %+v must stay in its queue", j)
	}
	next := t0.Add(2 * time.Second)
	j.Retry(1, "connection refused", next)
	if j.State != station.JobQueued || !j.Waiting() || j.Attempts != 1 || j.LastError != "connection refused" || !j.NextAttemptAt.Equal(next) {
		t.Fatalf("after a failed attempt %+v", j)
	}
	j.Sending()
	at := t0.Add(3 * time.Second)
	ev := j.Printed(at)
	if j.State != station.JobDone || j.Waiting() || j.PrintedAt == nil || !j.PrintedAt.Equal(at) || j.LastError != "" {
		t.Fatalf("printed job %+v: want done at %s, out of the queue, error cleared", j, at)
	}
	want := station.LabelPrintedData{JobID: "J1", Printer: "zebra-1", Code: content.Code.String(), Kind: station.LabelUnit, ID: "U1", Attempts: 2}
	if ev != want {
		t.Errorf("printed event %+v, want %+v", ev, want)
	}

	again := j.Reprint("J2", "user:wang.fang", at.Add(time.Minute))
	if again.ID != "J2" || again.Printer != "zebra-1" || again.Content != content || again.Actor != "user:wang.fang" ||
		again.State != station.JobQueued || again.Attempts != 0 || again.PrintedAt != nil {
		t.Errorf("reprint %+v: want a fresh queued job with the same printer and content", again)
	}
	again.Fail("printer address is not host:port")
	if again.State != station.JobFailed || again.Waiting() || again.LastError == "" {
		t.Errorf("failed job %+v must leave the queue with its reason", again)
	}
}

func TestPrinterValidate(t *testing.T) {
	ok := station.Printer{Name: "zebra-1", Addr: "10.0.0.9:9100", DPI: 203, Size: station.LabelSizeLarge}
	for _, tc := range []struct {
		name   string
		change func(*station.Printer)
		fields []string
	}{
		{"valid", func(*station.Printer) {}, nil},
		{"300 dpi small", func(p *station.Printer) { p.DPI, p.Size = 300, station.LabelSizeSmall }, nil},
		{"upper-case name", func(p *station.Printer) { p.Name = "Zebra" }, []string{"name"}},
		{"no address", func(p *station.Printer) { p.Addr = "" }, []string{"addr"}},
		{"address too long", func(p *station.Printer) { p.Addr = string(make([]byte, 256)) }, []string{"addr"}},
		{"host name", func(p *station.Printer) { p.Addr = "zebra-dock.lan:9100" }, nil},
		{"IPv6", func(p *station.Printer) { p.Addr = "[fd00::9]:9100" }, nil},
		{"no port", func(p *station.Printer) { p.Addr = "10.0.0.9" }, []string{"addr"}},
		{"no host", func(p *station.Printer) { p.Addr = ":9100" }, []string{"addr"}},
		{"port 0", func(p *station.Printer) { p.Addr = "10.0.0.9:0" }, []string{"addr"}},
		{"port 70000", func(p *station.Printer) { p.Addr = "10.0.0.9:70000" }, []string{"addr"}},
		{"port by name", func(p *station.Printer) { p.Addr = "10.0.0.9:lpt" }, []string{"addr"}},
		{"600 dpi and A4", func(p *station.Printer) { p.DPI, p.Size = 600, "a4" }, []string{"dpi", "size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.change(&p)
			if got := fieldsOf(p.Validate()); !slices.Equal(got, tc.fields) {
				t.Errorf("fields at fault %v, want %v", got, tc.fields)
			}
		})
	}
}

func TestSessionEnded(t *testing.T) {
	seen := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s := &station.Session{Username: "li.wei", LastSeen: seen}
	for _, tc := range []struct {
		name  string
		after time.Duration
		want  bool
	}{
		{"just used", 0, false},
		{"29 minutes", 29 * time.Minute, false},
		{"exactly 30 minutes", 30 * time.Minute, false},
		{"30 minutes and a second", 30*time.Minute + time.Second, true},
		{"a day", 24 * time.Hour, true},
	} {
		if got := s.Ended(seen.Add(tc.after), station.DefaultSessionIdle); got != tc.want {
			t.Errorf("%s idle: ended %v, want %v", tc.name, got, tc.want)
		}
	}
}
