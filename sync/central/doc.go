// Package central connects the station to the central platform, per
// shared/contracts/central.md: it pulls expected returns (RMAs), looks up
// an unknown parcel, and pushes the event log.
//
// Three parts, composed by cmd/station:
//
//   - Client speaks the HTTP contract with resty. Failures are typed
//     (*Error inside a *station.Error) and classified: no answer, 408, 425,
//     429 and 5xx are retryable; 400, 401, 403, 404, 409, 412, 413, 422 are
//     not. The client retries briefly itself (twice, a few seconds at most,
//     Retry-After included) and leaves longer waits to the loops. Every
//     POST retry carries the same Idempotency-Key.
//   - Pusher is the outbox relay: one loop that sends the events after the
//     acknowledged seq in batches of at most 500, moves the acknowledged seq
//     over what central stored or rejected, parks the rejected events for a
//     supervisor, and otherwise retries forever with full-jitter exponential
//     backoff and Retry-After. A 401 or 403 stops it until the configuration
//     changes. Its position and retry state live in storage.
//   - Puller brings expected returns in, page by page, saving each page
//     with its cursor in one transaction.
//
// The storage it needs is declared here as EventLog, PushStore and
// ReturnStore; station/bolt implements them over bbolt. Nothing here
// imports storage or the web layer.
//
// Invariants: events reach central in seq order; the acknowledged seq
// never passes an event that is neither stored on central nor parked; an
// event is re-sent only when central's answer was lost, and central
// deduplicates it on (source, id).
package central
