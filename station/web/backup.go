package web

import (
	"bufio"
	"fmt"
	"io"

	"github.com/gofiber/fiber/v2"
)

// Backuper makes consistent copies of the station's data (station/bolt).
type Backuper interface {
	// BackupStream copies the database to local disk in one short read
	// transaction; the returned backup then writes that copy and the photos
	// as a tar stream, and Close removes the copy.
	BackupStream() (interface {
		io.WriterTo
		io.Closer
	}, error)
}

// backup streams a hot, consistent backup (a tar of the database and the
// photos) to an admin. The database is first copied to local disk, so no
// read transaction stays open while the network is slow.
func (s *Server) backup(c *fiber.Ctx) error {
	b := s.cfg.Backups
	if b == nil {
		return notConfigured("Backup")(c)
	}
	loc, err := s.warehouseZone()
	if err != nil {
		return err
	}
	snap, err := b.BackupStream()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("station-%s-%s.tar", s.cfg.Store.StationID(), s.now().In(loc).Format("20060102-150405"))
	by := ident(c).Actor
	c.Set(fiber.HeaderContentType, "application/x-tar")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer snap.Close()
		n, err := snap.WriteTo(w)
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			s.log.Warn("backup download broke off; the file the admin has is incomplete and restore will refuse it", "component", "web", "by", by, "bytes", n, "err", err)
			return
		}
		s.log.Info("backup taken", "component", "web", "by", by, "bytes", n)
	})
	return nil
}
