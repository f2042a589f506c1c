package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// machineOnly lists the functions whose errors only machines meet (central,
// carriers, imports, the rule document's API): their English detail is the
// message. Everything else a person can meet must carry a message code.
var machineOnly = map[string]bool{
	"station/inbound.go:*":         true, // carrier tracking updates
	"station/rma.go:*":             true, // RMAs from central or an import
	"station/rules.go:ParseRules":  true, // the rule document, PUT by API
	"station/rules.go:Validate":    true,
	"station/rules_migrate.go:*":   true, // an older rule document, loaded or PUT by API
	"station/web/carriers.go:*":    true, // carrier webhooks
	"station/web/feed.go:*":        true, // central's feed
	"station/web/openapi.go:*":     true, // the schema of a problem, not one
	"station/web/server.go:readyz": true, // the orchestrator's readiness probe
	"station/bolt/resume.go:*":     true, // central's position after a restore (the push log)
}

// errorSites walks the Go source of the station, its web layer and its
// storage, and returns every message code the errors there can carry and
// every place that builds a person-facing error without one.
func errorSites(t *testing.T) (codes map[string]string, uncoded []string) {
	t.Helper()
	codes = map[string]string{}
	fset := token.NewFileSet()
	var notFoundKinds []string
	scanReasons := 0
	for dir, prefix := range map[string]string{"../..": "station/", "..": "station/web/", "../../bolt": "station/bolt/"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			rel := prefix + filepath.Base(path)
			for _, d := range f.Decls {
				// A refused scan's code is "scan_" + one of the Reason… constants.
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST && prefix == "station/" {
					for _, s := range g.Specs {
						vs := s.(*ast.ValueSpec)
						for i, id := range vs.Names {
							if v, ok := stringLit(vs.Values[min(i, len(vs.Values)-1)]); ok && strings.HasPrefix(id.Name, "Reason") {
								codes["scan_"+v] = rel + " " + id.Name
								scanReasons++
							}
						}
					}
				}
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				where := func(n ast.Node) string {
					p := fset.Position(n.Pos())
					return rel + ":" + strconv.Itoa(p.Line) + " (" + fn.Name.Name + ")"
				}
				skip := machineOnly[rel+":*"] || machineOnly[rel+":"+fn.Name.Name] || rel == "station/errors.go"
				// Which names in this function are Problems collectors.
				problems := map[string]bool{}
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					if vs, ok := n.(*ast.ValueSpec); ok {
						if s := exprString(vs.Type); s == "Problems" || s == "station.Problems" {
							for _, id := range vs.Names {
								problems[id.Name] = true
							}
						}
					}
					return true
				})
				coded := map[ast.Node]bool{}
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.CallExpr:
						sel, _ := n.Fun.(*ast.SelectorExpr)
						name := exprString(n.Fun)
						switch {
						case sel != nil && sel.Sel.Name == "Coded":
							coded[ast.Unparen(sel.X)] = true
							if k, ok := stringLit(n.Args[0]); ok {
								codes[k] = where(n)
							} else if fn.Name.Name != "notFound" && fn.Name.Name != "RefuseScan" {
								t.Errorf("%s: the message code must be a literal string", where(n))
							}
						case sel != nil && sel.Sel.Name == "AddCode" && len(n.Args) == 3:
							if k, ok := stringLit(n.Args[1]); ok {
								codes[k] = where(n)
							} else {
								t.Errorf("%s: the message code must be a literal string", where(n))
							}
						case name == "notFound" && len(n.Args) == 2:
							if k, ok := stringLit(n.Args[0]); ok {
								notFoundKinds = append(notFoundKinds, k)
							}
						case name == "Errorf" || name == "station.Errorf" || name == "Invalid" || name == "station.Invalid":
							if !skip && !coded[n] {
								uncoded = append(uncoded, where(n))
							}
						case sel != nil && sel.Sel.Name == "Add" && problems[exprString(sel.X)]:
							if !skip {
								uncoded = append(uncoded, where(n)+" (use AddCode)")
							}
						}
					case *ast.CompositeLit:
						if s := exprString(n.Type); s == "Error" || s == "station.Error" || s == "Problem" {
							key := "Key"
							if s == "Problem" {
								key = "Code"
							}
							found := false
							for _, e := range n.Elts {
								if kv, ok := e.(*ast.KeyValueExpr); ok && exprString(kv.Key) == key {
									found = true
									if k, ok := stringLit(kv.Value); ok {
										codes[k] = where(n)
									}
								}
							}
							if !found && !skip {
								uncoded = append(uncoded, where(n))
							}
						}
					}
					return true
				})
			}
		}
	}
	if scanReasons < 5 {
		t.Errorf("found %d scan refusal reasons: the walk is broken", scanReasons)
	}
	if len(notFoundKinds) == 0 {
		t.Error("found no notFound calls: the walk is broken")
	}
	for _, k := range notFoundKinds {
		codes["not_found_"+k] = "notFound(" + k + ")"
	}
	return codes, uncoded
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.StarExpr:
		return exprString(e.X)
	}
	return ""
}

func stringLit(e ast.Expr) (string, bool) {
	if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	return "", false
}

// TestEveryMessageInBothLanguages walks every error a person can meet and
// every code the pages show by name, and fails on any without a Chinese and
// an English text: server errors by their message code (err.CODE), the
// customer's reasons, policies, exceptions and their actions, tracking
// statuses, and the rule set's grades, dispositions and findings.
func TestEveryMessageInBothLanguages(t *testing.T) {
	msgs, err := parseMessages(messagesJSON)
	if err != nil {
		t.Fatal(err)
	}
	has := func(key string) bool {
		m, ok := msgs[key]
		return ok && strings.TrimSpace(m["en"]) != "" && strings.TrimSpace(m["zh"]) != ""
	}
	codes, uncoded := errorSites(t)
	if len(codes) < 60 {
		t.Errorf("found only %d message codes: the walk is broken", len(codes))
	}
	var missing []string
	for k, at := range codes {
		if !has("err." + k) {
			missing = append(missing, "err."+k+" (used at "+at+")")
		}
	}
	// Texts the UI itself uses for errors without a code of their own.
	for _, k := range []string{"err.check_fields", "err.network", "err.status"} {
		if !has(k) {
			missing = append(missing, k)
		}
	}
	for _, c := range station.ReasonCodes {
		if !has("reason." + c) {
			missing = append(missing, "reason."+c)
		}
	}
	for _, p := range station.Policies {
		if !has("policy." + p) {
			missing = append(missing, "policy."+p)
		}
	}
	for ex, acts := range station.ExceptionActions {
		if !has("ex." + ex) {
			missing = append(missing, "ex."+ex)
		}
		for _, a := range acts {
			if !has("act." + a) {
				missing = append(missing, "act."+a)
			}
		}
	}
	for _, s := range station.TrackingStatuses {
		if !has("track." + s) {
			missing = append(missing, "track."+s)
		}
	}
	for _, r := range []string{station.RoleOperator, station.RoleSupervisor, station.RoleAdmin} {
		if !has("role." + r) {
			missing = append(missing, "role."+r)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no Chinese and English text for %s", m)
	}
	sort.Strings(uncoded)
	for _, u := range uncoded {
		t.Errorf("%s: an error a person can meet has no message code: add .Coded(\"…\") (or AddCode) and its err.… text in zh and en to messages.json", u)
	}

	// The rule set names every grade, disposition and finding in both
	// languages; the pages show those names, never the codes.
	rs := station.DefaultRules()
	var named []string
	check := func(kind, code string, n station.Text) {
		named = append(named, code)
		if strings.TrimSpace(n.EN) == "" || strings.TrimSpace(n.ZH) == "" || n.EN == code || n.ZH == code {
			t.Errorf("%s %q has no name in both languages: %+v", kind, code, n)
		}
	}
	for _, g := range rs.Grades {
		check("grade", g.Code, g.Name)
	}
	for _, d := range rs.Dispositions {
		check("disposition", d.Code, d.Name)
	}
	for _, f := range rs.Findings {
		check("finding", f.Code, f.Name)
	}
	if !slices.Contains(named, "open_box") || !slices.Contains(named, "seal_broken") {
		t.Errorf("the default rules lack open_box or seal_broken: the walk over names is broken")
	}
}

// TestPagesUseKnownMessages fails when a page script asks for a message
// that messages.json does not have (it would show the key).
func TestPagesUseKnownMessages(t *testing.T) {
	msgs, err := parseMessages(messagesJSON)
	if err != nil {
		t.Fatal(err)
	}
	use := regexp.MustCompile(`\b(?:t|ta|both|pair)\('([a-z0-9_.]+)'\s*[,)]`)
	files, _ := filepath.Glob("assets/*.js")
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range use.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := msgs[m[1]]; !ok {
				t.Errorf("%s asks for message %q, which messages.json does not have", f, m[1])
			}
		}
	}
	if n < 100 {
		t.Errorf("found only %d message uses: the scan is broken", n)
	}
}

// TestReasonsNameFindings grades a unit with each finding under each policy
// and fails when a reason shown to people carries a finding's code instead
// of its name, or an English list joined the Chinese way.
func TestReasonsNameFindings(t *testing.T) {
	rs := station.DefaultRules()
	delivered := time.Now().Add(-72 * time.Hour)
	asked := delivered.Add(time.Hour)
	line := &station.RMALine{Line: 1, SKU: "X", Qty: 1, UnitPrice: "100.00", Category: "数码/耳机"}
	seen := 0
	for _, p := range station.Policies {
		for _, f := range rs.Findings {
			for _, grade := range []string{"A", "C"} {
				rma := &station.ReturnAuthorization{RMA: "R", Policy: p, DeliveredAt: &delivered, RequestedAt: &asked, Lines: []station.RMALine{*line}}
				adv := rs.Advise(station.GradeInput{RMA: rma, Line: line, Category: line.Category, Findings: []string{f.Code, "used"}}, grade, []string{f.Code, "used"})
				for _, r := range adv.Reasons {
					seen++
					for _, code := range []string{f.Code, "used"} {
						for lang, s := range map[string]string{"en": r.EN, "zh": r.ZH} {
							if strings.Contains(s, code) && !strings.Contains(strings.ToLower(rs.Finding(code).Name.EN), code) {
								t.Errorf("%s, finding %s, %s reason %q shows the code %q", p, f.Code, lang, s, code)
							}
						}
					}
					if strings.Contains(r.EN, "、") {
						t.Errorf("English reason %q lists with 、", r.EN)
					}
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no reasons at all: the test is broken")
	}
}
