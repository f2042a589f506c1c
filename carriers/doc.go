// Package carriers turns webhooks from carriers and tracking aggregators
// into normalised tracking updates (station.TrackingUpdate), after checking
// that they are genuine.
//
// Each provider's wire format, signature scheme and status vocabulary lives
// in its own subpackage: kuaidi100, track17, aftership, easypost, and
// stdwebhook for in-house carriers that sign as Standard Webhooks do. Each
// maps its statuses onto the ten of station.TrackingStatuses with its Status
// function. The subpackage poll looks up shipments that got no push.
//
// This package is the one entry point for the HTTP layer: New builds a Hook
// for a provider name and its secrets, and Hook.Receive verifies one delivery
// over its raw body, before reading anything, and returns the updates and the
// exact answer the provider expects.
//
// Every scheme compares signatures in constant time and accepts several
// secrets at once, so that a secret can be rotated without losing
// deliveries. Only Standard Webhooks has a timestamp, hence a replay window;
// for the others a replay is caught by the update's DedupKey.
//
// A DedupKey is unique across providers: it is the name of the provider
// whose format it comes from, a colon, and the provider's event id, or a key
// derived from the event's fields where the provider gives no id
// (Kuaidi100, 17TRACK). A poll finds the same key as the push of the same
// event. The store should apply each DedupKey once, and keep them for longer
// than providers retry (AfterShip: about three days).
package carriers
