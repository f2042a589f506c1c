// Package ui is the staff web UI of the returns station: the pages that
// receiving clerks, inspectors, put-away staff and supervisors use at desks
// and on handheld scanners.
//
// Pages are server-rendered shells (html/template) in Chinese or English,
// chosen from the "lang" cookie or the browser's Accept-Language. Small
// plain JavaScript files fill them from the station's JSON API (/api/v1)
// with the session cookie and the CSRF token; one CSS file lays them out
// for a desk (1280 px and wider) and a handheld (360 px). Everything is
// embedded in the binary and served from the station itself: no build
// step, and no request ever leaves the warehouse LAN.
//
// The package knows nothing of Fiber or storage: [New] returns an
// http.Handler and the list of paths it serves, and station/web mounts it.
package ui
