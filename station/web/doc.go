// Package web is the station's HTTP face and the only package that knows
// Fiber: it turns requests into domain commands, domain errors into RFC 9457
// problems, and serves the public API under /api/v1, carrier webhooks under
// /hooks, health and metrics.
//
// Everything the server uses is handed to it in Config; nothing is found by
// asserting the store's type. The optional capabilities (Sessions, Accounts,
// FirstAdmin, Printing, Backups, Labels, Sync) leave their routes
// mounted and documented when nil: the routes answer a problem naming what
// this station lacks (501 not_configured, or 503 accounts_off / printing_off
// as before), so a client can tell a missing feature from a wrong address.
// Config.Now and Config.NewID are the station's one clock and id source,
// shared with the store and the background work.
package web
