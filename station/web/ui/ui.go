package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/language"

	"returns-station/station"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

//go:embed messages.json
var messagesJSON []byte

// AssetPrefix is the path under which the UI serves its CSS, JavaScript and
// icons. Asset URLs carry a content version, so browsers cache them for good.
const AssetPrefix = "/assets/"

// LangCookie remembers the language a person chose ("zh" or "en").
const LangCookie = "lang"

// Options configure the UI.
type Options struct {
	// UserCount reports how many staff accounts exist. At zero the sign-in
	// page explains how to create the first admin. Nil means staff sign-in
	// is not configured on this station.
	UserCount func() (int, error)
	// Logger receives rendering failures (nil: discarded).
	Logger *slog.Logger
}

// page is one server-rendered shell.
type page struct {
	path  string
	name  string // template and script name
	title string // message key of the title
}

// pages lists every page; the first is the sign-in and home page.
var pages = []page{
	{"/", "signin", "signin.title"},
	{"/receive", "receive", "nav.receive"},
	{"/inspect", "inspect", "nav.inspect"},
	{"/putaway", "putaway", "nav.putaway"},
	{"/exceptions", "exceptions", "nav.exceptions"},
	{"/inbound", "inbound", "nav.inbound"},
	{"/find", "find", "nav.find"},
	{"/printing", "printing", "nav.printing"},
	{"/audit", "audit", "nav.audit"},
	{"/dashboard", "dashboard", "nav.dashboard"},
	{"/admin", "admin", "nav.admin"},
}

// UI serves the staff pages and their assets.
type UI struct {
	opts    Options
	log     *slog.Logger
	msgs    map[string]map[string]string
	tmpl    map[string]*template.Template
	assets  map[string]asset
	version string
	byPath  map[string]page
	matcher language.Matcher
}

type asset struct {
	body  []byte
	ctype string
}

// Languages the UI is written in; the first is the default.
var langs = []struct {
	code string
	tag  language.Tag
	html string
}{
	{"zh", language.SimplifiedChinese, "zh-CN"},
	{"en", language.English, "en"},
}

// New builds the UI from its embedded templates, messages and assets. It
// panics if they are inconsistent, which the package's tests rule out.
func New(o Options) *UI {
	u := &UI{opts: o, log: o.Logger, tmpl: map[string]*template.Template{}, assets: map[string]asset{}, byPath: map[string]page{}}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	msgs, err := parseMessages(messagesJSON)
	if err != nil {
		panic(err)
	}
	u.msgs = msgs
	tags := make([]language.Tag, len(langs))
	for i, l := range langs {
		tags[i] = l.tag
	}
	u.matcher = language.NewMatcher(tags)

	h := sha256.New()
	err = fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "assets/")
		u.assets[name] = asset{body: body, ctype: contentType(name)}
		h.Write([]byte(name))
		h.Write(body)
		return nil
	})
	if err != nil {
		panic(err)
	}
	// messages.js hands the message table and the exception actions to the scripts.
	actions, _ := json.Marshal(station.ExceptionActions)
	var js bytes.Buffer
	js.WriteString("'use strict';\nwindow.RS_MESSAGES = ")
	js.Write(mustCompact(messagesJSON))
	js.WriteString(";\nwindow.RS_ACTIONS = ")
	js.Write(actions)
	js.WriteString(";\n")
	u.assets["messages.js"] = asset{body: js.Bytes(), ctype: "text/javascript; charset=utf-8"}
	h.Write(js.Bytes())
	u.version = hex.EncodeToString(h.Sum(nil))[:12]

	for _, p := range pages {
		t := template.Must(template.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/"+p.name+".html"))
		u.tmpl[p.name] = t
		u.byPath[p.path] = p
		if _, ok := u.assets[p.name+".js"]; !ok {
			panic("ui: no script for page " + p.name)
		}
	}
	return u
}

func mustCompact(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		panic(err)
	}
	return out.Bytes()
}

// parseMessages reads the message table: key → {"en": …, "zh": …}. Every
// key must have both languages.
func parseMessages(b []byte) (map[string]map[string]string, error) {
	var m map[string]map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("ui: messages.json: %w", err)
	}
	var missing []string
	for k, v := range m {
		for _, l := range langs {
			if strings.TrimSpace(v[l.code]) == "" {
				missing = append(missing, k+"."+l.code)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("ui: messages.json: missing %s", strings.Join(missing, ", "))
	}
	return m, nil
}

// Pages returns the paths of the UI's pages, for mounting them one by one
// beside the API.
func (u *UI) Pages() []string {
	out := make([]string, len(pages))
	for i, p := range pages {
		out[i] = p.path
	}
	return out
}

// Version identifies the embedded assets; it changes whenever one does.
func (u *UI) Version() string { return u.version }

// ServeHTTP answers a page or an asset.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, AssetPrefix); ok {
		u.serveAsset(w, r, name)
		return
	}
	p, ok := u.byPath[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	u.servePage(w, r, p)
}

func (u *UI) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := u.assets[path.Clean(name)]
	if !ok || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	etag := `"` + u.version + `"`
	h.Set("ETag", etag)
	if r.URL.Query().Get("v") == u.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	w.Write(a.body)
}

// pageData is what a page template sees.
type pageData struct {
	Lang, HTMLLang string
	Page, TitleKey string
	Version        string
	FirstRun       bool // no staff account exists yet
	SignInOff      bool // staff sign-in is not configured
	msgs           map[string]map[string]string
	alt            string
}

// T returns the message key in the page's language.
func (d pageData) T(key string) string { return d.msg(key, d.Lang) }

// Alt returns the message key in the other language, shown smaller beside
// the first so that a mixed team reads every heading.
func (d pageData) Alt(key string) string { return d.msg(key, d.alt) }

func (d pageData) msg(key, lang string) string {
	if m, ok := d.msgs[key]; ok {
		return m[lang]
	}
	return key
}

// Lang picks the page's language: the remembered choice, else the best
// match for Accept-Language, else Chinese.
func (u *UI) Lang(r *http.Request) string {
	if c, err := r.Cookie(LangCookie); err == nil {
		for _, l := range langs {
			if c.Value == l.code {
				return l.code
			}
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return langs[0].code
	}
	_, i, conf := u.matcher.Match(tags...)
	if conf == language.No {
		return langs[0].code
	}
	return langs[i].code
}

func (u *UI) servePage(w http.ResponseWriter, r *http.Request, p page) {
	lang := u.Lang(r)
	d := pageData{Lang: lang, Page: p.name, TitleKey: p.title, Version: u.version, msgs: u.msgs}
	for _, l := range langs {
		if l.code == lang {
			d.HTMLLang = l.html
		} else {
			d.alt = l.code
		}
	}
	if p.name == "signin" {
		if u.opts.UserCount == nil {
			d.SignInOff = true
		} else if n, err := u.opts.UserCount(); err != nil {
			u.log.Warn("cannot count staff accounts", "component", "ui", "err", err)
		} else {
			d.FirstRun = n == 0
		}
	}
	var buf bytes.Buffer
	if err := u.tmpl[p.name].Execute(&buf, d); err != nil {
		u.log.Error("cannot render page", "component", "ui", "page", p.name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept-Language, Cookie")
	h.Set("Content-Language", d.HTMLLang)
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(buf.Bytes())
}

// csp allows the station's own origin only: nothing on a page can load or
// send anything elsewhere (the LAN may have no internet, and it must not need
// it). Photos preview and labels print from blob: URLs.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
	"media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}
