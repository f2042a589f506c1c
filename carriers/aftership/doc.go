// Package aftership reads AfterShip Tracking webhooks.
//
// AfterShip signs the raw body with HMAC-SHA256 keyed by the webhook secret
// and sends the standard base64 of the MAC (44 characters) in the header
// aftership-hmac-sha256. Nothing else is signed: the ts field of the body is
// not, so there is no replay window; event_id, in the DedupKey, catches replays.
//
// The body is {"event", "event_id", "ts", "msg"}, msg being the whole Tracking
// object. One tracking_update yields one update: the tracking's tag and
// subtag, dated by its latest checkpoint. Other events (edd_revise …) are
// acknowledged and yield nothing.
//
// A checkpoint_time is the carrier's local time and may come without an
// offset; it is then read in the zone of the checkpoint's country when that
// country has a single zone, else the checkpoint's created_at (UTC) dates it.
package aftership
