// Package track17 reads 17TRACK webhooks (API v2) and the tracks its
// gettrackinfo query returns.
//
// 17TRACK signs a webhook with a plain hash, not an HMAC: the header sign is
// the lower-case hex SHA-256 of the raw body, a "/", and the security key from
// the 17TRACK dashboard. There is no timestamp, so no replay window; a replay
// is caught by the DedupKey instead. The body is {"event": …, "data": {…}},
// where data is one tracked number (an array is accepted too).
//
// 17TRACK gives no event id, so the DedupKey is derived from the number, the
// latest event's UTC time and the status (research/carriers.md §9). One tracked number
// yields one update: its latest status, dated by its latest event.
package track17
