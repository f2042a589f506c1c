// Package stdwebhook reads tracking updates that in-house carriers and
// integrations send as Standard Webhooks (standardwebhooks.com).
//
// Each delivery has three headers: webhook-id (a unique message id, the
// DedupKey with "webhook:" before it), webhook-timestamp (unix seconds) and webhook-signature, a
// space-separated list of "v1,<base64>" entries, each the HMAC-SHA256 of
// "<id>.<timestamp>.<raw body>". The key is the base64-decoded secret after
// its "whsec_" prefix. A delivery is accepted when any entry matches any
// configured secret (senders sign with old and new secrets while rotating),
// and only within Tolerance of now, both ways.
//
// The body is one Event, a JSON object:
//
//	{
//	  "tracking":    "SF1234567890123",           required; spaces and dashes are ignored
//	  "carrier":     "SF",                        our carrier code; recognised from the number when empty
//	  "status":      "in_transit",                required; see Status for the vocabularies understood
//	  "substatus":   "",                          optional refinement, kept as sent
//	  "occurred_at": "2026-01-01T10:00:00+08:00", required; RFC 3339 with an offset
//	  "location":    "Hangzhou",
//	  "description": "Departed the sorting centre",
//	  "signed_by":   "",
//	  "eta":         "2026-01-03T18:00:00+08:00"   optional; RFC 3339
//	}
//
// The same Event may instead come inside the envelope the specification
// recommends (see Envelope), as data:
//
//	{"type": "tracking.updated", "timestamp": "2026-01-01T02:00:00Z", "data": {…the Event…}}
//
// Unknown fields are ignored so that senders can add their own.
package stdwebhook
