// Package fakecentral is a fake central platform: it serves
// shared/contracts/central.md §1–§3 (expected returns, look-up, event
// intake) from memory, so that tests, the demo and a newcomer can run a
// station against something real over HTTP.
//
// It checks what a station sends as central would — bearer token, station,
// content type, batch size, Idempotency-Key ({station_id}:{first}-{last}),
// CloudEvents fields — stores what it receives, deduplicates on (source,
// id), and answers 200 or 207 per the contract. Knobs, settable at start,
// through methods or over HTTP at /_fake/knobs, make it fail the ways a
// real link does: down, a rate of 5xx, latency, 429 with Retry-After, 207
// rejects of chosen seqs or types, and connections cut after the batch was
// stored. Script queues exact answers for the next requests.
//
// A test typically runs it on a loopback port:
//
//	fc := fakecentral.New(fakecentral.Options{StationID: "st-1", Token: "secret"})
//	srv := httptest.NewServer(fc.Handler())
//	defer srv.Close()
//	fc.SetKnobs(fakecentral.Knobs{ErrorRate: 0.3, CutAfterCommitRate: 0.1})
//	…
//	events := fc.Events() // what central holds, in arrival order
//
// It is not a production server: it keeps everything in memory and its
// admin routes have no authentication.
package fakecentral
