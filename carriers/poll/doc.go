// Package poll looks up, through the providers' tracking query APIs, the
// shipments that got no push for a while: a missed webhook, a number never
// subscribed, or a provider that stopped tracking.
//
// A Poller asks its Source which shipments are due, groups them by provider,
// asks each provider's Tracker (Kuaidi100's real-time query, 17TRACK's
// gettrackinfo) and hands the updates to its Sink. Each Tracker has its own
// token-bucket rate limit and retries a failed request a bounded number of
// times with capped exponential backoff, honouring Retry-After. Failed
// cycles slow the Poller down, up to a cap, until one succeeds.
//
// Updates from a poll have Provider "poll" and the same DedupKey as the push
// of the same event ("kuaidi100:…", "track17:…"), so a store that applies
// each DedupKey once applies an event once however it arrived.
package poll
