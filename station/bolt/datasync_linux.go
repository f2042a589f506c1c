package bolt

import (
	"os"
	"syscall"
)

// fdatasync flushes f's data without its timestamps: the journal is
// written in place, so its size and blocks never change on an append.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
