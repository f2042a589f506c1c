package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

var pathParam = regexp.MustCompile(`:([a-z]+)`)

// opDoc is what the OpenAPI document says of a route beyond its row in the
// route table: its operationId, the success statuses and media type it
// really answers with, and its query parameters. The harness of the API
// tests validates every real answer against the document, so a wrong entry
// here fails a test.
type opDoc struct {
	id      string  // operationId; derived from method and path when empty
	status  []int   // success statuses; default 200
	media   string  // success media type; default application/json ("-" for no body)
	query   []param // query parameters
	reqType string  // request media type; default application/json
}

// param is one query parameter, typed.
type param struct {
	name, typ, desc string   // typ: string, integer, date-time, or []string for a repeatable one
	enum            []string // allowed values, if a closed list
	min, max        int      // integer bounds when max > 0
	required        bool
}

// widthParam is a chart's width in pixels (a handheld asks for its own).
var widthParam = param{name: "w", typ: "integer", min: chartMinWidth, max: chartMaxWidth, desc: "the chart's width in pixels (default 640)"}

// langParam picks the words of a CSV or chart.
var langParam = param{name: "lang", typ: "string", enum: []string{"en", "zh"}, desc: "headings and words (default en)"}

// whyParams are the range and filters of the what-comes-back figures.
func whyParams() []param {
	return append(append([]param{}, dayRangeParams...),
		param{name: "category", typ: "string", desc: "only this category (one filter at a time)"},
		param{name: "channel", typ: "string", desc: "only this order channel; empty: orders with no channel (not for the defect list)"},
		param{name: "sku", typ: "string", desc: "only this SKU"},
		limitParam(100))
}

func limitParam(max int) param {
	return param{name: "limit", typ: "integer", min: 1, max: max, desc: "at most this many (1–" + strconv.Itoa(max) + ")"}
}

// throughputParams are dayRangeParams and whether to count per hour or day.
var throughputParams = slices.Concat(dayRangeParams, []param{
	{name: "by", typ: "string", enum: []string{"hour", "day"}, desc: "per hour (default for one day; at most 31 days) or per day"}})

var (
	// dayRangeParams are the figures' range of warehouse days (dayRange).
	dayRangeParams = []param{
		{name: "from", typ: "string", desc: "first warehouse day, YYYY-MM-DD (default 6 days before to)"},
		{name: "to", typ: "string", desc: "last warehouse day, YYYY-MM-DD, inclusive (default today); at most 400 days after from"},
	}
	sizeParam      = param{name: "size", typ: "string", enum: []string{"100x150", "50x25"}, desc: "label size in mm (default 100x150)"}
	dpiParam       = param{name: "dpi", typ: "integer", enum: []string{"203", "300"}, desc: "printer resolution (default 203)"}
	fontParam      = param{name: "font", typ: "string", desc: "the printer's CJK font, e.g. E:SIMSUN.TTF"}
	labelCodeParam = param{name: "code", typ: "string", required: true, desc: "a station label code (RS1:…), or a tote or location code"}
)

// opDocs holds the documentation of each route, keyed by "METHOD path" as in
// the route table. A route without an entry answers 200 JSON with no query
// parameters, and gets an operationId derived from its method and path.
var opDocs = map[string]opDoc{
	"POST /parcels/receive":         {id: "receiveParcel", status: []int{201, 200}},
	"POST /parcels/:id/boxes":       {id: "addBox", status: []int{201, 200}},
	"GET /parcels":                  {id: "listParcels", query: []param{{name: "status", typ: "string", enum: []string{"open", "closed"}}, {name: "rma", typ: "string"}, {name: "tracking", typ: "string"}, {name: "cursor", typ: "string", desc: "next_cursor of the previous page"}, limitParam(500)}},
	"GET /parcels/:id":              {id: "getParcel"},
	"POST /parcels/:id/units":       {id: "addUnit", status: []int{201}},
	"POST /units/:id/void":          {id: "voidUnit"},
	"POST /parcels/:id/close":       {id: "closeParcel"},
	"GET /units/:id":                {id: "getUnit"},
	"PUT /units/:id/inspection":     {id: "inspectUnit"},
	"POST /parcels/:id/photos":      {id: "addParcelPhoto", reqType: "multipart/form-data"},
	"GET /parcels/:id/photos/:sha":  {id: "getParcelPhoto", media: "image/*"},
	"POST /units/:id/photos":        {id: "addPhoto", reqType: "multipart/form-data"},
	"GET /units/:id/photos/:sha":    {id: "getPhoto", media: "image/*"},
	"DELETE /units/:id/photos/:sha": {id: "removePhoto"},
	"POST /units/:id/confirm":       {id: "confirmUnit"},
	"POST /units/:id/move":          {id: "moveUnit"},
	"GET /units/:id/label.png":      {id: "getUnitLabelPNG", media: "image/png", query: []param{sizeParam, dpiParam}},
	"GET /units/:id/label.zpl":      {id: "getUnitLabelZPL", media: "text/plain", query: []param{sizeParam, dpiParam, fontParam}},
	"GET /labels/png":               {id: "getLabelPNG", media: "image/png", query: []param{labelCodeParam, sizeParam, dpiParam}},
	"GET /labels/zpl":               {id: "getLabelZPL", media: "text/plain", query: []param{labelCodeParam, sizeParam, dpiParam, fontParam}},
	"GET /labels/sheet":             {id: "getLabelSheet", media: "text/html", query: []param{{name: "code", typ: "[]string", required: true, desc: "1 to 200 label codes, repeated"}, sizeParam}},
	"GET /search":                   {id: "search", query: []param{{name: "q", typ: "string", required: true, desc: "what was typed or scanned"}}},
	"GET /queue":                    {id: "workQueue", query: []param{limitParam(500)}},
	"GET /stats/ageing":             {id: "getAgeingBoard", query: []param{{name: "limit", typ: "integer", min: 1, max: 100000, desc: "list at most this many parcels, the oldest (1–100000, default 500); late + due_soon counts them all and the CSV lists them all"}}},
	"GET /stats/ageing.csv":         {id: "getAgeingCSV", media: "text/csv", query: []param{{name: "lang", typ: "string", enum: []string{"en", "zh"}, desc: "headings and texts (default en)"}}},
	"GET /stats/ageing.svg":         {id: "getAgeingChart", media: "image/svg+xml", query: []param{langParam, widthParam}},
	"GET /stats/alerts":             {id: "getAlerts", query: append(alertParams(), dayRangeParams...)},
	"GET /stats/alerts.csv":         {id: "getAlertsCSV", media: "text/csv", query: append(append(alertParams(), param{name: "lang", typ: "string", enum: []string{"en", "zh"}, desc: "headings, names and the message's language (default en)"}), dayRangeParams...)},
	"GET /stats/value":              {id: "getValueFigures", query: dayRangeParams},
	"GET /stats/value.csv":          {id: "getValueCSV", media: "text/csv", query: append([]param{{name: "lang", typ: "string", enum: []string{"en", "zh"}, desc: "headings and names (default en)"}}, dayRangeParams...)},
	"GET /stats/value.svg":          {id: "getValueChart", media: "image/svg+xml", query: slices.Concat([]param{langParam, widthParam}, dayRangeParams)},
	"GET /stats/returns":            {id: "getReturnsWhy", query: whyParams()},
	"GET /stats/returns.csv":        {id: "getReturnsWhyCSV", media: "text/csv", query: append(whyParams(), langParam, param{name: "table", typ: "string", enum: []string{"categories", "channels", "skus", "reasons", "mix"}, desc: "which table (default categories)"})},
	"GET /stats/returns.svg":        {id: "getReturnsWhyChart", media: "image/svg+xml", query: append(whyParams(), langParam, widthParam)},
	"GET /stats/defects":            {id: "getDefectSKUs", query: whyParams()},
	"GET /stats/defects.csv":        {id: "getDefectSKUsCSV", media: "text/csv", query: append(whyParams(), langParam)},
	"GET /stats/defects.svg":        {id: "getDefectSKUsChart", media: "image/svg+xml", query: append(whyParams(), langParam, widthParam)},
	"GET /stats/throughput":         {id: "getThroughput", query: throughputParams},
	"GET /stats/throughput.csv":     {id: "getThroughputCSV", media: "text/csv", query: slices.Concat(throughputParams, []param{langParam, {name: "table", typ: "string", enum: []string{"periods", "days", "categories"}, desc: "received/inspected/put away per period (default), or receipt-to-result time per day or per category"}})},
	"GET /stats/throughput.svg":     {id: "getThroughputChart", media: "image/svg+xml", query: slices.Concat(throughputParams, []param{langParam, widthParam})},
	"GET /stats/inspectors":         {id: "getInspectorStats", query: dayRangeParams},
	"GET /stats/inspectors.csv":     {id: "getInspectorStatsCSV", media: "text/csv", query: slices.Concat(dayRangeParams, []param{langParam})},
	"GET /totes/:id":                {id: "getTote"},
	"GET /totes/:id/list":           {id: "getToteList", media: "text/html"},
	"POST /totes/:id/close":         {id: "closeTote"},
	"POST /labels/print":            {id: "printLabels", status: []int{201}},
	"GET /labels/jobs":              {id: "listPrintJobs", query: []param{{name: "printer", typ: "string"}, {name: "state", typ: "string", enum: []string{"queued", "sending", "done", "failed"}}, limitParam(500)}},
	"POST /labels/jobs/:id/reprint": {id: "reprintJob", status: []int{201}},
	"GET /printers":                 {id: "listPrinters"},
	"PUT /printers/:name":           {id: "putPrinter"},
	"DELETE /printers/:name":        {id: "deletePrinter", status: []int{204}, media: "-"},
	"POST /printers/:name/retry":    {id: "retryPrinter", status: []int{202}},
	"GET /lookup":                   {id: "lookupCode", query: []param{{name: "code", typ: "string", required: true, desc: "the scanned or typed code"}}},
	"POST /returns":                 {id: "putReturn", status: []int{201, 200}},
	"GET /returns/:rma":             {id: "getReturn"},
	"GET /exceptions":               {id: "listExceptions", query: []param{{name: "state", typ: "string", enum: []string{"open", "resolved", "all"}, desc: "default open"}, limitParam(1000)}},
	"POST /exceptions/:id/resolve":  {id: "resolveException"},
	"GET /rules":                    {id: "getRules"},
	"PUT /rules":                    {id: "putRules"},
	"GET /inbound":                  {id: "getInboundBoard", query: []param{{name: "day", typ: "string", desc: "today (default), tomorrow or YYYY-MM-DD"}}},
	"GET /sync":                     {id: "getSyncStatus"},
	"POST /sync/retry":              {id: "retrySync", status: []int{202}},
	"GET /sync/parked":              {id: "listParkedEvents", query: []param{limitParam(1000)}},
	"GET /feed":                     {id: "getFeed", query: []param{{name: "after", typ: "string", desc: "next_cursor of the previous page"}, limitParam(1000), {name: "wait", typ: "integer", min: 0, max: 60, desc: "seconds to hold the request open when nothing is newer (long poll)"}}},
	"GET /backup":                   {id: "getBackup", media: "application/x-tar"},
	"GET /audit":                    {id: "getAudit", query: []param{{name: "user", typ: "string"}, {name: "parcel", typ: "string"}, {name: "unit", typ: "string"}, {name: "rma", typ: "string"}, {name: "type", typ: "string", desc: "event type or its prefix"}, {name: "from", typ: "date-time"}, {name: "to", typ: "date-time"}, {name: "before", typ: "integer", min: 1, max: 1 << 62, desc: "next_before of the previous page"}, limitParam(1000)}},
	"GET /tokens":                   {id: "listTokens"},
	"POST /tokens":                  {id: "createToken", status: []int{201}},
	"POST /tokens/:name/rotate":     {id: "rotateToken", status: []int{201}},
	"DELETE /tokens/:name":          {id: "revokeToken"},
	"GET /users":                    {id: "listUsers"},
	"POST /users":                   {id: "addUser", status: []int{201}},
	"PATCH /users/:name":            {id: "updateUser"},
	"GET /events":                   {id: "listEvents", query: []param{{name: "after", typ: "integer", min: 0, max: 1 << 62, desc: "event seq"}, limitParam(1000)}},
	// Routes outside the authenticated table (registered in routes()).
	"GET /openapi.json": {id: "getOpenAPI"},
	"POST /session":     {id: "signIn"},
	"GET /session":      {id: "getSession"},
	"DELETE /session":   {id: "signOut", status: []int{204}, media: "-"},
	"POST /setup":       {id: "createFirstAdmin", status: []int{201}},
}

// docRoutes are the /api/v1 routes registered outside apiRoutes, described
// in the same form. Role "" means no sign-in is needed, "any" any caller
// signed in.
func docRoutes() []route {
	return []route{
		{"GET", "/openapi.json", "", "This document", nil, nil, nil},
		{"POST", "/session", "", "Sign in with user name and PIN, or a badge; sets the session cookie", LoginInput{}, SessionView{}, nil},
		{"GET", "/session", "", "Who is signed in (signed_in false when nobody)", nil, SessionView{}, nil},
		{"DELETE", "/session", "any", "Sign out", nil, nil, nil},
		{"POST", "/setup", "", "Create the first admin with the one-time setup code from the station's log (only while no account exists)", SetupInput{}, SetupResult{}, nil},
	}
}

// errorStatuses are the error statuses every operation may answer.
var errorStatuses = []int{400, 401, 403, 404, 408, 409, 410, 413, 415, 422, 429, 431, 500, 501, 503}

// openapi serves an OpenAPI 3.0 document built from the route table.
func (s *Server) openapi(c *fiber.Ctx) error {
	b, err := json.Marshal(s.openAPIDoc())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

func (s *Server) openAPIDoc() map[string]any {
	paths := map[string]map[string]any{}
	problem := map[string]any{"$ref": "#/components/responses/Problem"}
	for _, r := range append(s.apiRoutes(), docRoutes()...) {
		p := "/api/v1" + pathParam.ReplaceAllString(r.path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		d := opDocs[r.method+" "+r.path]
		if d.id == "" {
			d.id = operationID(r.method, r.path)
		}
		if d.status == nil {
			d.status = []int{200}
		}
		if d.media == "" {
			d.media = fiber.MIMEApplicationJSON
		}
		responses := map[string]any{}
		for _, st := range d.status {
			resp := map[string]any{"description": strings.ToLower(http.StatusText(st))}
			switch {
			case d.media == "-":
			case d.media == fiber.MIMEApplicationJSON:
				resp["content"] = map[string]any{d.media: map[string]any{"schema": schemaOf(reflect.TypeOf(r.out), 0, true)}}
			default:
				resp["content"] = map[string]any{d.media: map[string]any{}}
			}
			responses[strconv.Itoa(st)] = resp
		}
		for _, st := range errorStatuses {
			responses[strconv.Itoa(st)] = problem
		}
		desc := "Role: " + r.role + "."
		security := []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}}
		switch r.role {
		case "":
			desc, security = "No sign-in needed.", []any{}
		case "any":
			desc = "Any signed-in caller."
		}
		op := map[string]any{"operationId": d.id, "summary": r.summary, "description": desc, "security": security, "responses": responses}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range d.query {
			params = append(params, q.openAPI())
		}
		if r.method != "GET" {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "schema": map[string]any{"type": "string", "maxLength": 255},
				"description": "A repeat with the same key and body returns the first answer; another body with the same key is refused (422)."})
		}
		if params != nil {
			op["parameters"] = params
		}
		switch {
		case d.reqType == "multipart/form-data":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{d.reqType: map[string]any{"schema": map[string]any{
				"type": "object", "required": []any{"photo"}, "properties": map[string]any{"photo": map[string]any{"type": "string", "format": "binary"}}}}}}
		case r.in != nil:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{fiber.MIMEApplicationJSON: map[string]any{"schema": schemaOf(reflect.TypeOf(r.in), 0, false)}}}
		}
		paths[p][strings.ToLower(r.method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Returns station API", "version": "1",
			"description": "Receive, inspect, grade and dispose of returns. Errors are RFC 9457 problems naming the field at fault."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie},
			},
			"schemas": map[string]any{"Problem": schemaOf(reflect.TypeOf(Problem{}), 0, true), "AlertRaisedData": alertEventSchema()},
			"responses": map[string]any{"Problem": map[string]any{"description": "RFC 9457 problem",
				"content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}},
		},
	}
}

// openAPI describes the parameter as an OpenAPI query parameter.
func (q param) openAPI() map[string]any {
	schema := map[string]any{"type": q.typ}
	switch q.typ {
	case "date-time":
		schema = map[string]any{"type": "string", "format": "date-time"}
	case "[]string":
		schema = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
	case "integer":
		if q.max > 0 {
			schema["minimum"], schema["maximum"] = q.min, q.max
		}
	}
	if q.enum != nil {
		enum := make([]any, len(q.enum))
		for i, e := range q.enum {
			enum[i] = e
			if q.typ == "integer" {
				enum[i], _ = strconv.Atoi(e)
			}
		}
		schema["enum"] = enum
	}
	p := map[string]any{"name": q.name, "in": "query", "schema": schema}
	if q.required {
		p["required"] = true
	}
	if q.desc != "" {
		p["description"] = q.desc
	}
	return p
}

// operationID derives an operationId from method and path, for a route with
// no entry in opDocs: "GET /units/:id/label.png" → "getUnitsIdLabelPng".
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	up := true
	for _, r := range path {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

var timeType = reflect.TypeOf(time.Time{})
var rawType = reflect.TypeOf(json.RawMessage{})

// schemaOf describes a Go type as a JSON schema, following json tags. In an
// answer (out true) a field without omitempty is required, since
// encoding/json always writes it; pointers, slices and maps may be null.
func schemaOf(t reflect.Type, depth int, out bool) map[string]any {
	if t == nil || depth > 8 {
		return map[string]any{}
	}
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	}
	if s == nil {
		switch t.Kind() {
		case reflect.String:
			s = map[string]any{"type": "string"}
		case reflect.Bool:
			s = map[string]any{"type": "boolean"}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			s = map[string]any{"type": "integer"}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			s = map[string]any{"type": "integer", "minimum": 0}
		case reflect.Float32, reflect.Float64:
			s = map[string]any{"type": "number"}
		case reflect.Slice, reflect.Array:
			s, nullable = map[string]any{"type": "array", "items": schemaOf(t.Elem(), depth+1, out)}, nullable || t.Kind() == reflect.Slice
		case reflect.Map:
			s, nullable = map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), depth+1, out)}, true
		case reflect.Interface:
			return map[string]any{}
		case reflect.Struct:
			props := map[string]any{}
			var required []any
			addFields(t, props, &required, depth, out)
			s = map[string]any{"type": "object", "properties": props}
			if out && len(required) > 0 {
				s["required"] = required
			}
		default:
			return map[string]any{}
		}
	}
	if nullable {
		s["nullable"] = true
	}
	return s
}

func addFields(t reflect.Type, props map[string]any, required *[]any, depth int, out bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addFields(ft, props, required, depth, out)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		_, shadowed := props[name] // an outer field hides an embedded one, as in encoding/json
		props[name] = schemaOf(f.Type, depth+1, out)
		*required = slices.DeleteFunc(*required, func(r any) bool { return shadowed && r == name })
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}

// alertEventSchema documents the data of returns.alert.raised, the station's
// own event type that central receives in the push and the feed like every
// other (central.md allows types beyond its own).
func alertEventSchema() map[string]any {
	s := schemaOf(reflect.TypeOf(station.AlertRaisedData{}), 0, true)
	s["description"] = "Data of the CloudEvents type returns.alert.raised, pushed to central and served by GET /feed and GET /events: " +
		"a risk alarm tripped (kind one of " + strings.Join(station.AlertKinds, ", ") + "), with the figures that tripped it, " +
		"the threshold, and a message in Chinese and English. Its exception (code alert_ and the kind) is resolved at the station."
	return s
}

// alertParams are the alert list's filters.
func alertParams() []param {
	return []param{limitParam(1000),
		{name: "state", typ: "string", enum: []string{"all", "open"}, desc: "open: only the open alerts, whenever raised; all (default): open ones and those raised from..to"},
		{name: "kind", typ: "string", enum: station.AlertKinds, desc: "only alerts of this kind"}}
}
