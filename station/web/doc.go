// Package web is the station's HTTP face and the only package that knows
// Fiber: it turns requests into domain commands, domain errors into RFC 9457
// problems, and serves the public API under /api/v1, carrier webhooks under
// /hooks, health and metrics.
package web
