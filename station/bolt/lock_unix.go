//go:build unix

package bolt

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockFile takes the same flock bbolt takes on the data file, without opening
// it as a database, so a file too damaged for bbolt to open can still be
// checked or replaced while no station serves it. Closing the file releases
// the lock. It returns ErrLocked when a station holds the file for longer than
// wait, and an error wrapping os.ErrNotExist when there is no file.
func lockFile(path string, wait time.Duration) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, ErrLocked
			}
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
