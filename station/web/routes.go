package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// route is one API route: registered with Fiber and described in OpenAPI
// from the same entry, so the document cannot drift from the server.
type route struct {
	method, path, role, summary string
	in, out                     any // example values whose types describe the bodies
	handler                     fiber.Handler
}

func (s *Server) apiRoutes() []route {
	const op, sup = station.RoleOperator, station.RoleSupervisor
	return []route{
		{"POST", "/parcels/receive", op, "Receive a parcel by its scanned waybill, RMA or order number; 201 new, 200 duplicate", station.ReceiveInput{}, station.ReceiveResult{}, s.receive},
		{"POST", "/parcels/:id/photos", op, "Attach a photo of the parcel as it arrived, e.g. a damaged box for the carrier claim (multipart field \"photo\", at most 8 MB)", nil, station.Parcel{}, s.addParcelPhoto},
		{"GET", "/parcels/:id/photos/:sha", op, "A parcel's photo", nil, nil, s.getParcelPhoto},
		{"POST", "/parcels/:id/boxes", op, "Receive another box of the same return (its own waybill); 201 with the new parcel", station.AddBoxInput{}, station.ReceiveResult{}, s.addBox},
		{"GET", "/parcels", op, "List parcels, newest first (filters: status, rma, tracking; paged by cursor)", nil, ParcelPage{}, s.listParcels},
		{"GET", "/parcels/:id", op, "A parcel with its RMA, units and exceptions", nil, station.ParcelView{}, s.getParcel},
		{"POST", "/parcels/:id/units", op, "Start a unit from a product barcode or SKU, matched to an RMA line", station.AddUnitInput{}, station.UnitResult{}, s.addUnit},
		{"POST", "/parcels/:id/close", op, "Close a parcel once every unit is confirmed", nil, station.Parcel{}, s.closeParcel},
		{"GET", "/units/:id", op, "A unit with its checklist template", nil, UnitView{}, s.getUnit},
		{"PUT", "/units/:id/inspection", op, "Record checklist answers; returns the suggested grade, disposition and refund", station.InspectInput{}, station.Unit{}, s.inspect},
		{"POST", "/units/:id/photos", op, "Attach a photo (multipart field \"photo\": JPEG, PNG or WebP, at most 8 MB)", nil, station.Unit{}, s.addPhoto},
		{"GET", "/units/:id/photos/:sha", op, "A unit's photo", nil, nil, s.getPhoto},
		{"DELETE", "/units/:id/photos/:sha", sup, "Remove a photo from a unit, with a reason (the event says who and why)", station.RemovePhotoInput{}, station.Unit{}, s.removePhoto},
		{"POST", "/units/:id/confirm", op, "Confirm the inspection (overriding the suggestion needs a supervisor and a reason)", station.ConfirmInput{}, station.Unit{}, s.confirm},
		{"POST", "/units/:id/void", op, "Void a unit scanned by mistake, with a reason (a confirmed one: supervisor); closing ignores it", station.VoidInput{}, station.Unit{}, s.voidUnit},
		{"POST", "/units/:id/move", op, "Put a unit away into a tote or location", station.MoveInput{}, station.Unit{}, s.move},
		{"GET", "/units/:id/label.png", op, "The unit's label as PNG (size=100x150|50x25, dpi=203|300)", nil, nil, s.labelImage("png")},
		{"GET", "/units/:id/label.zpl", op, "The unit's label as ZPL II (size, dpi, font for CJK text)", nil, nil, s.labelImage("zpl")},
		{"GET", "/labels/png", op, "Any station label (code=RS1:…, or a tote or location code) as PNG", nil, nil, s.labelImage("png")},
		{"GET", "/labels/zpl", op, "Any station label as ZPL II", nil, nil, s.labelImage("zpl")},
		{"GET", "/labels/sheet", op, "An A4 HTML sheet of labels for an office printer (code=…&code=…&size=)", nil, nil, s.labelSheet},
		{"POST", "/labels/print", op, "Queue labels for a network printer (unit, parcel, tote or location; copies) and answer after the printer's first answer (at most 3 s)", station.PrintRequest{}, PrintResult{}, s.printLabel},
		{"GET", "/labels/jobs", op, "Print jobs, newest first (printer=, state=queued|sending|done|failed)", nil, JobList{}, s.listJobs},
		{"POST", "/labels/jobs/:id/reprint", op, "Print a job's label again", nil, station.PrintJob{}, s.reprint},
		{"GET", "/printers", op, "Printers with their queues", nil, PrinterList{}, s.listPrinters},
		{"PUT", "/printers/:name", station.RoleAdmin, "Add or change a printer (addr host:9100, dpi, size, CJK font)", station.Printer{}, station.Printer{}, s.putPrinter},
		{"DELETE", "/printers/:name", station.RoleAdmin, "Remove a printer (its queued jobs wait)", nil, nil, s.deletePrinter},
		{"POST", "/printers/:name/retry", op, "Try the printer's queue now (after fixing paper or power)", nil, Accepted{}, s.retryPrinter},
		{"GET", "/totes/:id", op, "A tote: its disposition, state and the units in it", nil, station.ToteView{}, s.getTote},
		{"GET", "/totes/:id/list", op, "A tote's contents as an A4 page to print", nil, nil, s.toteList},
		{"POST", "/totes/:id/close", op, "Close a tote (it takes no more units) and queue its label on the printer named", CloseToteInput{}, ClosedTote{}, s.closeTote},
		{"GET", "/search", op, "One box for everything: tracking, RMA, order, phone tail, serial, station label or id, tote or location (q=)", nil, SearchResult{}, s.search},
		{"GET", "/queue", op, "Parcels received and not yet inspected (not closed), oldest first, with their age", nil, QueueResult{}, s.queue},
		{"GET", "/stats/ageing", sup, "The 24-hour clock: open parcels late now and late within 4 hours, oldest first, with why each waits; counts and age bands of all open parcels", nil, station.AgeingBoard{}, s.ageing},
		{"GET", "/stats/ageing.csv", sup, "The ageing board as CSV (UTF-8 with BOM for Excel; lang=zh|en)", nil, nil, s.ageingCSV},
		{"GET", "/stats/ageing.svg", sup, "Open parcels by age band as an SVG bar chart (lang=zh|en)", nil, nil, s.ageingSVG},
		{"GET", "/stats/value", sup, "Cost and estimated recovery per category, per day and in all, over warehouse days from..to (default the last 7): units, price, recovery value from the rules' shares, handling minutes and cost, freight paid, net", nil, station.ValueReport{}, s.value},
		{"GET", "/stats/value.csv", sup, "Cost and recovery per category as CSV (UTF-8 with BOM for Excel; lang=zh|en; from, to)", nil, nil, s.valueCSV},
		{"GET", "/stats/value.svg", sup, "Cost beside estimated recovery per category as an SVG bar chart (lang=zh|en; from, to)", nil, nil, s.valueSVG},
		{"GET", "/stats/returns", sup, "What comes back and why over a range of warehouse days: units by category, channel and SKU (the most returned), the customer's reason against the inspector's finding, grade, disposition and refund mixes and amounts recommended (from, to, one of category, channel or sku, limit)", nil, station.WhyReport{}, s.whyJSON},
		{"GET", "/stats/returns.csv", sup, "One table of what comes back and why as CSV (table=categories|channels|skus|reasons|mix; UTF-8 with BOM for Excel; lang=zh|en); the skus table lists every SKU of the range", nil, nil, s.whyCSV},
		{"GET", "/stats/returns.svg", sup, "The customer's reason against the inspector's finding as an SVG bar chart (lang=zh|en)", nil, nil, s.whySVG},
		{"GET", "/stats/defects", sup, "The product team's list: the SKUs with the most units with a confirmed defect, with units, defect rate and most frequent findings (from, to, category or sku, limit)", nil, station.DefectList{}, s.defectsJSON},
		{"GET", "/stats/defects.csv", sup, "The SKUs with the most confirmed defects as CSV (UTF-8 with BOM; lang=zh|en)", nil, nil, s.defectsCSV},
		{"GET", "/stats/defects.svg", sup, "The SKUs with the most confirmed defects as an SVG bar chart, at most 8 (lang=zh|en)", nil, nil, s.defectsSVG},
		{"GET", "/stats/alerts", sup, "Risk alarms: the open ones and those raised over warehouse days from..to (default the last 7), newest first, each with what tripped it, the threshold and a message in Chinese and English; open counts by kind. Thresholds are the rule document's alarms section (PUT /rules)", nil, station.AlertList{}, s.alerts},
		{"GET", "/stats/alerts.csv", sup, "The alert list as CSV (UTF-8 with BOM for Excel; lang=zh|en; from, to, limit)", nil, nil, s.alertsCSV},
		{"GET", "/stats/throughput", sup, "Parcels received, units inspected and put away per hour (one day) or per day (from, to, by), and the time from receipt to a confirmed result (median, p90) by day and category", nil, station.ThroughputReport{}, s.throughput},
		{"GET", "/stats/throughput.csv", sup, "Throughput per period, or receipt-to-result time per day or category (table=), as CSV (UTF-8 with BOM; lang=zh|en)", nil, nil, s.throughputCSV},
		{"GET", "/stats/throughput.svg", sup, "Received, inspected and put away per hour or day as an SVG bar chart (lang=zh|en)", nil, nil, s.throughputSVG},
		{"GET", "/stats/inspectors", sup, "Per inspector, for coaching: units confirmed, median and p90 time per unit, units regraded by a supervisor, override rate and regrades (from, to)", nil, station.InspectorReport{}, s.inspectors},
		{"GET", "/stats/inspectors.csv", sup, "The per-inspector figures as CSV (UTF-8 with BOM; lang=zh|en)", nil, nil, s.inspectorsCSV},
		{"GET", "/lookup", op, "What is this code? A station label, waybill, RMA or order number, tote or location", nil, LookupResult{}, s.lookup},
		{"POST", "/returns", sup, "Enter or update an RMA by hand (higher version wins)", station.ReturnAuthorization{}, station.PutReturnResult{}, s.putReturn},
		{"GET", "/returns/:rma", op, "An RMA with its parcels and units", nil, ReturnView{}, s.getReturn},
		{"GET", "/exceptions", sup, "The exception queue (state=open|resolved|all)", nil, ExceptionList{}, s.listExceptions},
		{"POST", "/exceptions/:id/resolve", sup, "Resolve an exception with an action and a note", station.ResolveInput{}, station.Exception{}, s.resolve},
		{"GET", "/rules", op, "The inspection rule document in force", nil, station.RuleSet{}, s.getRules},
		{"PUT", "/rules", sup, "Replace the rule document (validated first)", station.RuleSet{}, station.RuleSet{}, s.putRules},
		{"GET", "/inbound", op, "What carriers say is on its way: arriving on day (today, tomorrow, YYYY-MM-DD), delivered but not scanned, stuck, going back", nil, station.InboundBoard{}, s.inbound},
		{"GET", "/sync", op, "Link state with the central platform: online/offline since, backlog, oldest unacknowledged event, last success and error, parked events", nil, station.LinkState{}, s.syncStatus},
		{"POST", "/sync/retry", sup, "Push and pull now instead of waiting for the backoff", nil, Accepted{}, s.syncRetry},
		{"GET", "/sync/parked", sup, "Events central rejected as invalid, kept for a supervisor", nil, ParkedList{}, s.syncParked},
		{"GET", "/feed", station.RoleCentral, "The event feed for central (central.md §4): after, limit, wait", nil, FeedPage{}, s.feed},
		{"GET", "/backup", station.RoleAdmin, "A hot, consistent backup: a tar of the database and the photos (restore it with station restore)", nil, nil, s.backup},
		{"GET", "/audit", sup, "Who did what, when and why: the event log newest first, filtered by user, parcel, unit, rma, type, from, to; paged with before", nil, AuditPage{}, s.audit},
		{"GET", "/tokens", station.RoleAdmin, "API tokens (names, roles, last use; never secrets)", nil, TokenList{}, s.listTokens},
		{"POST", "/tokens", station.RoleAdmin, "Create a token; its secret is in this answer only", TokenInput{}, NewToken{}, s.createToken},
		{"POST", "/tokens/:name/rotate", station.RoleAdmin, "Replace a token with a new secret (the old one stops working)", nil, NewToken{}, s.rotateToken},
		{"DELETE", "/tokens/:name", station.RoleAdmin, "Revoke a token", nil, station.Token{}, s.revokeToken},
		{"GET", "/users", station.RoleAdmin, "Staff accounts", nil, UserList{}, s.listUsers},
		{"POST", "/users", station.RoleAdmin, "Add a person (PIN 4-12 digits; optional badge barcode)", UserInput{}, station.User{}, s.addUser},
		{"PATCH", "/users/:name", station.RoleAdmin, "Change a person's role, name, PIN or badge, or disable them (signs them out)", station.UserChange{}, station.User{}, s.updateUser},
		{"GET", "/events", sup, "The raw event log for audit: after (seq), limit", nil, EventPage{}, s.events},
	}
}

func (s *Server) routes() {
	app := s.app
	app.Use(s.observe)
	app.Use(s.recoverPanic)
	app.Use(s.decodeBody) // before any route can read a compressed body
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metricsHandler())
	app.Post("/hooks/carriers/:provider", s.carrierHook)
	s.mountUI()

	api := app.Group("/api/v1")
	api.Get("/openapi.json", s.openapi)
	api.Post("/session", s.login)
	api.Post("/setup", s.createFirstAdmin)
	api.Get("/session", s.whoami)
	api.Use(s.auth)
	api.Delete("/session", s.logout)
	for _, r := range s.apiRoutes() {
		api.Add(r.method, r.path, need(r.role), r.handler)
	}
}

func (s *Server) receive(c *fiber.Ctx) error {
	var in station.ReceiveInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	scan, err := station.ValidateReceive(&in)
	if err != nil {
		return err
	}
	if err := s.refuseBadge(in.Code); err != nil {
		return err
	}
	if _, hard := station.ParcelCodeDoubt(scan); s.cfg.Lookup != nil && scan.Kind != station.ScanLabel && !hard {
		if err := s.lookupUnknown(c, scan, &in); err != nil {
			return err
		}
	}
	in.Validated = &scan // checked here, not again while the other commands wait
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.Receive(tx, env, in) })
}

// refuseBadge refuses a staff badge scanned at a parcel's scan field: a
// clerk reaching for the wrong barcode must not create a parcel.
func (s *Server) refuseBadge(code string) error {
	if s.cfg.Sessions == nil || strings.TrimSpace(code) == "" {
		return nil
	}
	u, err := s.cfg.Sessions.UserByBadge(code)
	if err != nil {
		return err
	}
	if u != nil {
		return station.RefuseScan(station.ReasonBadge)
	}
	return nil
}

func (s *Server) addBox(c *fiber.Ctx) error {
	var in station.AddBoxInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.refuseBadge(in.Code); err != nil {
		return err
	}
	id := c.Params("id")
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.AddBox(tx, env, id, in) })
}

// lookupUnknown asks central about a code nothing local matches, within a
// short deadline: a scan never waits long for a link that may be down.
func (s *Server) lookupUnknown(c *fiber.Ctx, scan station.Scan, in *station.ReceiveInput) error {
	known := false
	err := s.cfg.Store.View(func(tx station.Tx) error {
		p, err := tx.ParcelByKey(scan.Code)
		if err != nil || p != nil {
			known = p != nil
			return err
		}
		r, err := station.FindReturn(tx, scan.Code)
		known = r != nil
		return err
	})
	if err != nil || known {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.LookupTimeout)
	defer cancel()
	r, err := s.cfg.Lookup.Lookup(ctx, scan.Code, scan.Carrier)
	if err != nil {
		if station.ErrorCode(err) != station.ENotFound {
			s.log.Info("online look-up unavailable; parcel kept as unmatched", "component", "web", "tracking", scan.Code, "err", err)
		}
		return nil
	}
	if r != nil && r.Validate() == nil {
		in.LookedUp = r
	}
	return nil
}

func (s *Server) listParcels(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 50, 500)
	if err != nil {
		return err
	}
	f := station.ParcelFilter{Status: c.Query("status"), RMA: c.Query("rma"), Tracking: c.Query("tracking")}
	if f.Status != "" && f.Status != station.ParcelOpen && f.Status != station.ParcelClosed {
		return station.Invalid("status", "must be open or closed").Coded("filter_status")
	}
	ps, next, err := s.cfg.Store.ListParcels(f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []*station.Parcel{}
	}
	return c.JSON(ParcelPage{Parcels: ps, NextCursor: next})
}

func queryLimit(c *fiber.Ctx, def, max int) (int, error) {
	q := c.Query("limit")
	if q == "" {
		return def, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 || n > max {
		return 0, station.Invalid("limit", "must be a whole number from 1 to "+strconv.Itoa(max)).Coded("filter_limit")
	}
	return n, nil
}

func (s *Server) getParcel(c *fiber.Ctx) error {
	var v *station.ParcelView
	err := s.cfg.Store.View(func(tx station.Tx) (err error) {
		v, err = station.LoadParcel(tx, c.Params("id"))
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) addUnit(c *fiber.Ctx) error {
	var in station.AddUnitInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id := c.Params("id")
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.AddUnit(tx, env, id, in) })
}

func (s *Server) closeParcel(c *fiber.Ctx) error {
	id := c.Params("id")
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.CloseParcel(tx, env, id) })
}

// UnitView is a unit with its template, so a client can draw the checklist.
type UnitView struct {
	*station.Unit
	Template *station.Category `json:"template"`
}

func (s *Server) getUnit(c *fiber.Ctx) error {
	var v UnitView
	err := s.cfg.Store.View(func(tx station.Tx) error {
		u, err := tx.Unit(c.Params("id"))
		if err != nil {
			return err
		}
		if u == nil {
			return station.Errorf(station.ENotFound, "no unit %q on this station", c.Params("id")).Coded("not_found_unit", "id", c.Params("id"))
		}
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		v = UnitView{Unit: u, Template: rs.Template(u.Category)}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) inspect(c *fiber.Ctx) error {
	var in station.InspectInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id := c.Params("id")
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.Inspect(tx, env, id, in) })
}

func (s *Server) confirm(c *fiber.Ctx) error {
	var in station.ConfirmInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id := c.Params("id")
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.Confirm(tx, env, id, in) })
}

func (s *Server) voidUnit(c *fiber.Ctx) error {
	var in station.VoidInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id := c.Params("id")
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.VoidUnit(tx, env, id, in) })
}

func (s *Server) move(c *fiber.Ctx) error {
	var in station.MoveInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id := c.Params("id")
	if code, ok := station.ParseLabelCode(id); ok && code.Kind == station.LabelUnit {
		id = code.ID
	}
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.Move(tx, env, id, in) })
}

// LookupResult says what a scanned code is on this station.
type LookupResult struct {
	Scan   station.Scan                 `json:"scan"`
	Kind   string                       `json:"kind"` // parcel, unit, tote, location, rma, none
	Parcel *station.Parcel              `json:"parcel,omitempty"`
	Unit   *station.Unit                `json:"unit,omitempty"`
	RMA    *station.ReturnAuthorization `json:"rma,omitempty"`
	ID     string                       `json:"id,omitempty"`
	// Shipments is where the parcel's (or the RMA's) shipments are, for a
	// parcel, unit or RMA.
	Shipments []*station.Shipment `json:"shipments,omitempty"`
	// Placement is where an inspected unit goes; Tote what a tote holds.
	Placement *station.Placement `json:"placement,omitempty"`
	Tote      *station.ToteView  `json:"tote,omitempty"`
}

// lookup answers "what is this?" for any scan: a station label, a waybill,
// an RMA or order number, a tote or location code.
func (s *Server) lookup(c *fiber.Ctx) error {
	code := c.Query("code")
	if strings.TrimSpace(code) == "" || len(code) > station.MaxScanLength {
		return station.Invalid("code", "scan or type a code").Coded("lookup_empty")
	}
	res := LookupResult{Scan: station.NormalizeScan(code), Kind: "none"}
	err := s.cfg.Store.View(func(tx station.Tx) error {
		sc := res.Scan
		if sc.Label != nil {
			switch sc.Label.Kind {
			case station.LabelUnit:
				u, err := tx.Unit(sc.Label.ID)
				if u != nil {
					res.Kind, res.Unit = "unit", u
				}
				return err
			case station.LabelParcel:
				p, err := tx.Parcel(sc.Label.ID)
				if p != nil {
					res.Kind, res.Parcel = "parcel", p
				}
				return err
			}
		}
		container := code
		if sc.Label != nil {
			container = sc.Code // without symbology prefix or spaces
		}
		if id, kind, ok := station.ParseContainer(container); ok {
			res.Kind, res.ID = kind, id
			return nil
		}
		if p, err := tx.ParcelByKey(sc.Code); err != nil || p != nil {
			if p != nil {
				res.Kind, res.Parcel = "parcel", p
			}
			return err
		}
		if u, err := tx.Unit(strings.TrimSpace(code)); err != nil || u != nil {
			if u != nil {
				res.Kind, res.Unit = "unit", u
			}
			return err
		}
		r, err := station.FindReturn(tx, sc.Code)
		if r != nil {
			res.Kind, res.RMA = "rma", r
		}
		return err
	})
	if err == nil {
		err = s.cfg.Store.View(func(tx station.Tx) error { return lookupTracking(tx, &res) })
	}
	if err != nil {
		return err
	}
	if err := s.lookupPlace(&res); err != nil {
		return err
	}
	return c.JSON(res)
}

// lookupTracking adds where the shipments of a found parcel, unit or RMA are.
func lookupTracking(tx station.Tx, res *LookupResult) (err error) {
	switch {
	case res.Parcel != nil:
		res.Shipments, err = station.ParcelTracking(tx, res.Parcel)
	case res.Unit != nil:
		p, err := tx.Parcel(res.Unit.ParcelID)
		if err != nil || p == nil {
			return err
		}
		res.Shipments, err = station.ParcelTracking(tx, p)
		return err
	case res.RMA != nil:
		ps, err := tx.ParcelsByRMA(res.RMA.RMA)
		if err != nil {
			return err
		}
		res.Shipments, err = station.ReturnTracking(tx, res.RMA, ps)
		return err
	}
	return err
}

// lookupPlace adds where an inspected unit should go, or what a tote holds.
func (s *Server) lookupPlace(res *LookupResult) error {
	return s.cfg.Store.View(func(tx station.Tx) (err error) {
		switch {
		case res.Unit != nil:
			res.Placement, err = station.SuggestPlacement(tx, res.Unit)
		case res.Kind == "tote":
			res.Tote, err = station.LoadTote(tx, res.ID)
		}
		return err
	})
}

func (s *Server) putReturn(c *fiber.Ctx) error {
	var r station.ReturnAuthorization
	if err := readJSON(c, &r, false); err != nil {
		return err
	}
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) {
		res, err := station.PutReturn(tx, env, &r, "manual")
		if err != nil {
			return nil, err
		}
		return createdReturn{res}, nil
	})
}

type createdReturn struct{ *station.PutReturnResult }

func (r createdReturn) Created() bool { return r.Applied }

// ReturnView is an RMA with its parcels and units.
type ReturnView struct {
	*station.ReturnAuthorization
	Parcels []*station.Parcel `json:"parcels"`
	Units   []*station.Unit   `json:"units"`
	// Shipments is where each return shipment is: the RMA's declared ones,
	// then any other parcel's, with status, time, location and history.
	Shipments []*station.Shipment `json:"shipments"`
}

func (s *Server) getReturn(c *fiber.Ctx) error {
	var v ReturnView
	err := s.cfg.Store.View(func(tx station.Tx) error {
		r, err := tx.RMA(c.Params("rma"))
		if err != nil {
			return err
		}
		if r == nil {
			return station.Errorf(station.ENotFound, "RMA %q is not on this station (yet): it arrives by pull, import or manual entry", c.Params("rma")).Coded("not_found_RMA", "id", c.Params("rma"))
		}
		v = ReturnView{ReturnAuthorization: r, Parcels: []*station.Parcel{}, Units: []*station.Unit{}}
		ps, err := tx.ParcelsByRMA(r.RMA)
		if err != nil {
			return err
		}
		v.Parcels = append(v.Parcels, ps...)
		for _, p := range ps {
			us, err := tx.UnitsByParcel(p.ID)
			if err != nil {
				return err
			}
			v.Units = append(v.Units, us...)
		}
		v.Shipments, err = station.ReturnTracking(tx, r, ps)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) listExceptions(c *fiber.Ctx) error {
	state := c.Query("state", station.ExOpen)
	if state == "all" {
		state = ""
	}
	if state != "" && state != station.ExOpen && state != station.ExResolved {
		return station.Invalid("state", "must be open, resolved or all").Coded("filter_state")
	}
	limit, err := queryLimit(c, 200, 1000)
	if err != nil {
		return err
	}
	exs, err := s.cfg.Store.ListExceptions(state, limit)
	if err != nil {
		return err
	}
	if exs == nil {
		exs = []*station.Exception{}
	}
	for _, e := range exs {
		if e.State == station.ExOpen {
			e.Actions = station.ExceptionActions[e.Code]
		}
	}
	return c.JSON(ExceptionList{Exceptions: exs})
}

func (s *Server) resolve(c *fiber.Ctx) error {
	var in station.ResolveInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id := c.Params("id")
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.ResolveException(tx, env, id, in) })
}

func (s *Server) getRules(c *fiber.Ctx) error {
	var rs *station.RuleSet
	err := s.cfg.Store.View(func(tx station.Tx) (err error) {
		rs, err = tx.Rules()
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(rs)
}

func (s *Server) putRules(c *fiber.Ctx) error {
	if len(c.Body()) > maxJSON {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "the rule document is larger than 1 MB")
	}
	rs, err := station.ParseRules(c.Body())
	if err != nil {
		return err
	}
	return s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.ReplaceRules(tx, env, rs) })
}

// decodeJSON reads the request body strictly: an unknown field is an error
// that names it, so a misspelt field never silently does nothing.
func decodeJSON(c *fiber.Ctx, v any) error { return readJSON(c, v, true) }

// readJSON reads the request body as JSON into v. Central's documents are read
// leniently (strict false): the contract says unknown fields are ignored.
func readJSON(c *fiber.Ctx, v any, strict bool) error {
	if len(c.Body()) > maxJSON {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "the request body is larger than 1 MB")
	}
	ct := c.Get(fiber.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "send JSON with Content-Type: application/json")
	}
	return decode(c.Body(), v, strict)
}
