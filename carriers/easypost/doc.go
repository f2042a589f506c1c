// Package easypost reads EasyPost tracker events (tracker.updated,
// tracker.created).
//
// EasyPost signs the raw body with HMAC-SHA256 and sends
// "hmac-sha256-hex=" followed by the lower-case hex of the MAC in the header
// X-Hmac-Signature. The key is the webhook secret after Unicode NFKD
// normalisation, as EasyPost's own libraries do: for a secret with accents
// or ligatures, NFC or the raw string gives a different key. There is no
// timestamp, so no replay window; the event id, in the DedupKey, catches
// replays.
//
// One event yields one update: the tracker's status and status_detail,
// dated by its latest tracking detail.
package easypost
