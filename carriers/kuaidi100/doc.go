// Package kuaidi100 reads Kuaidi100 (快递100) subscription pushes (订阅推送)
// and the answers of its real-time query API (实时查询).
//
// A push is a POST of application/x-www-form-urlencoded with two fields:
// param, a JSON document, and sign, the upper-case hex MD5 of param followed
// by the salt given when the number was subscribed. Kuaidi100 sends no sign
// when no salt was given, so a Hook refuses unsigned pushes: always subscribe
// with a salt. The signature covers the form-decoded param exactly as
// received; it is checked before the JSON is read.
//
// Kuaidi100 retries a push (three times, about 35 minutes apart) unless it
// gets back the JSON answer Reply(nil) returns. Reply(err) gives the failure
// answer of the same shape.
//
// Times (ftime) are "2006-01-02 15:04:05" in China Standard Time without an
// offset; the history (lastResult.data) is newest first. China keeps no
// daylight saving time, so a fixed UTC+8 zone is exact and needs no tzdata.
//
// One push yields one update: the parcel's state now (lastResult.state,
// dated by the newest entry of data). Kuaidi100 gives no event id, so the
// DedupKey is derived from the number, that entry's ftime and the state.
package kuaidi100
