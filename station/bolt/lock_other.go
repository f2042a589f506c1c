//go:build !unix

package bolt

import (
	"os"
	"time"
)

// lockFile opens path; off Unix, bbolt's own lock at Open is the only guard.
func lockFile(path string, _ time.Duration) (*os.File, error) { return os.Open(path) }
