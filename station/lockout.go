package station

import (
	"sync"
	"time"
)

// Sign-in lockout: at most SignInAttempts sign-ins a SignInWindow per user
// name and per client, counted whether the PIN was right or not until it
// proves right. Browser set-up codes are limited the same way, per client
// and for everyone together.
const (
	SignInAttempts = 5
	SignInWindow   = time.Minute
)

// SignInKeys are the counts one sign-in is charged to: the client's
// address always, and the normalised user name unless a badge was scanned
// (a badge names nobody until it is looked up). " U3" and "u3" share one
// count, so changing case or spaces buys no more guesses.
func SignInKeys(client, username string, badge bool) []string {
	keys := []string{"ip:" + client}
	if !badge {
		keys = append(keys, "user:"+NormalizeUsername(username))
	}
	return keys
}

// Lockout counts attempts per key within a sliding window. An attempt is
// counted before its secret is checked (Reserve), so parallel guesses
// cannot all be evaluated before the first failure is recorded; one that
// succeeds is given back (Release). It is safe for concurrent use and keeps
// no clock: every call is told the time.
type Lockout struct {
	mu       sync.Mutex
	window   time.Duration
	max      int
	attempts map[string][]time.Time
	sweepAt  int // sweep expired keys once the map reaches this size
}

// minSweep is the map size below which a Lockout never sweeps.
const minSweep = 1024

// NewLockout allows max attempts per key in any window.
func NewLockout(max int, window time.Duration) *Lockout {
	return &Lockout{max: max, window: window, attempts: map[string][]time.Time{}, sweepAt: minSweep}
}

// Reserve counts one attempt at now against every key, unless one of them
// already has max attempts in the window: then nothing is counted and
// Reserve returns how long to wait before the oldest of them expires.
func (l *Lockout) Reserve(keys []string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		if list := l.recent(k, now); len(list) >= l.max {
			wait = max(wait, list[len(list)-l.max].Add(l.window).Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		l.attempts[k] = append(l.attempts[k], now)
	}
	l.sweep(now)
	return 0
}

// Release takes back the attempt reserved at at: it succeeded.
func (l *Lockout) Release(keys []string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		list := l.attempts[k]
		for i := len(list) - 1; i >= 0; i-- {
			if list[i].Equal(at) {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(l.attempts, k)
		} else {
			l.attempts[k] = list
		}
	}
}

// recent drops key's attempts older than the window and returns the rest.
func (l *Lockout) recent(key string, now time.Time) []time.Time {
	list := l.attempts[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= l.window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.attempts, key)
	} else {
		l.attempts[key] = list
	}
	return list
}

// sweep forgets every key whose attempts have all expired, once the map has
// doubled since the last sweep: memory stays within twice the live keys and
// each attempt pays a constant share of the work.
func (l *Lockout) sweep(now time.Time) {
	if len(l.attempts) < l.sweepAt {
		return
	}
	for k := range l.attempts {
		l.recent(k, now)
	}
	l.sweepAt = max(minSweep, 2*len(l.attempts))
}

// Keys is how many keys the Lockout holds (for tests and metrics).
func (l *Lockout) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.attempts)
}
