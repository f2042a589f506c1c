package web

import (
	"fmt"
	"os"

	"github.com/gofiber/fiber/v2"
)

// Backuper makes consistent copies of the station's data (station/bolt).
type Backuper interface {
	BackupFile() (string, error)
}

// backup streams a hot, consistent copy of the database to an admin. The copy
// is first made to local disk, so no read transaction stays open while the
// network is slow.
func (s *Server) backup(c *fiber.Ctx) error {
	b, ok := s.cfg.Store.(Backuper)
	if !ok {
		return notConfigured("Backup")(c)
	}
	path, err := b.BackupFile()
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	os.Remove(path) // the open file stays readable until it is closed
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	name := fmt.Sprintf("station-%s-%s.db", s.cfg.Store.StationID(), s.now().Format("20060102-150405"))
	s.log.Info("backup taken", "component", "web", "by", ident(c).Actor, "bytes", st.Size())
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.SendStream(f, int(st.Size()))
}
