package web

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// LabelRenderer draws labels (labels/ implements it; cmd wires it).
type LabelRenderer interface {
	PNG(c station.LabelContent, size string, dpi int) ([]byte, error)
	ZPL(c station.LabelContent, size string, dpi int, cjkFont string) ([]byte, error)
	Sheet(w io.Writer, labels []station.LabelContent, size string) error
}

// Printing is the printer registry and the durable print queue (station/bolt).
type Printing interface {
	Printers(ctx context.Context) ([]station.Printer, error)
	PutPrinter(ctx context.Context, actor string, p station.Printer) error
	DeletePrinter(ctx context.Context, actor, name string) error
	QueuePrint(ctx context.Context, actor string, req station.PrintRequest) ([]station.PrintJob, error)
	Reprint(ctx context.Context, actor, id string) (*station.PrintJob, error)
	Jobs(printer, state string, limit int) ([]station.PrintJob, error)
	// Queue is a printer's unfinished jobs, oldest first.
	Queue(printer string) ([]station.PrintJob, error)
	RetryNow(ctx context.Context, printer string) error
}

// Kicker wakes the print spooler after a job is queued.
type Kicker interface{ Kick() }

func (s *Server) printing() (Printing, error) {
	p := s.cfg.Printing
	if p == nil {
		return nil, station.Errorf(station.EUnavailable, "printing is not available on this station").Coded("printing_off")
	}
	return p, nil
}

func (s *Server) kick() {
	if s.cfg.Spooler != nil {
		s.cfg.Spooler.Kick()
	}
}

// labelContent loads what the label of code shows.
func (s *Server) labelContent(code station.LabelCode) (*station.LabelContent, error) {
	var c *station.LabelContent
	err := s.cfg.Store.View(func(tx station.Tx) (err error) {
		c, err = station.LabelFor(tx, code, s.cfg.Store.StationID(), s.now())
		return err
	})
	return c, err
}

func sizeDPI(c *fiber.Ctx) (string, int, error) {
	size := c.Query("size", station.LabelSizeLarge)
	dpi, err := strconv.Atoi(c.Query("dpi", "203"))
	var p station.Problems
	if size != station.LabelSizeLarge && size != station.LabelSizeSmall {
		p.AddCode("size", "label_size", "100x150 or 50x25")
	}
	if err != nil || (dpi != 203 && dpi != 300) {
		p.AddCode("dpi", "label_dpi", "203 or 300")
	}
	return size, dpi, p.Err("the label request is not valid")
}

// codeParam reads the label code from the route: a unit id, or ?code=.
func codeParam(c *fiber.Ctx) (station.LabelCode, error) {
	if id := c.Params("id"); id != "" {
		return station.LabelCode{Kind: station.LabelUnit, ID: strings.ToUpper(id)}, nil
	}
	raw := c.Query("code")
	if code, ok := station.ParseLabelCode(raw); ok {
		return code, nil
	}
	if id, kind, ok := station.ParseContainer(raw); ok {
		k := station.LabelTote
		if kind == "location" {
			k = station.LabelLocation
		}
		return station.LabelCode{Kind: k, ID: id}, nil
	}
	return station.LabelCode{}, station.Invalid("code", "a station label code such as RS1:T:T-0012, or a tote or location code").Coded("label_code")
}

func (s *Server) labelImage(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.cfg.Labels == nil {
			return notConfigured("Label rendering")(c)
		}
		code, err := codeParam(c)
		if err != nil {
			return err
		}
		size, dpi, err := sizeDPI(c)
		if err != nil {
			return err
		}
		content, err := s.labelContent(code)
		if err != nil {
			return err
		}
		var out []byte
		if format == "png" {
			out, err = s.cfg.Labels.PNG(*content, size, dpi)
			c.Set(fiber.HeaderContentType, "image/png")
		} else {
			out, err = s.cfg.Labels.ZPL(*content, size, dpi, c.Query("font"))
			c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
		}
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Send(out)
	}
}

// labelSheet is an HTML page of labels sized with CSS @page for an office
// printer: GET /api/v1/labels/sheet?code=…&code=…&size=50x25.
func (s *Server) labelSheet(c *fiber.Ctx) error {
	if s.cfg.Labels == nil {
		return notConfigured("Label rendering")(c)
	}
	size, _, err := sizeDPI(c)
	if err != nil {
		return err
	}
	raw := c.Context().QueryArgs().PeekMulti("code")
	if len(raw) == 0 || len(raw) > 200 {
		return station.Invalid("code", "give 1 to 200 label codes (code=…&code=…)").Coded("label_codes_count")
	}
	var list []station.LabelContent
	for _, r := range raw {
		code, ok := station.ParseLabelCode(string(r))
		if !ok {
			if id, kind, ok2 := station.ParseContainer(string(r)); ok2 {
				code, ok = station.LabelCode{Kind: map[string]string{"tote": station.LabelTote, "location": station.LabelLocation}[kind], ID: id}, true
			}
		}
		if !ok {
			return station.Invalid("code", "not a station label code: "+string(r)).Coded("label_code")
		}
		content, err := s.labelContent(code)
		if err != nil {
			return err
		}
		list = append(list, *content)
	}
	var buf bytes.Buffer
	if err := s.cfg.Labels.Sheet(&buf, list, size); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// PrintResult is the answer to a print request: the jobs as they stand
// after the printer's first answer, and what the printer said if it did not
// take a label.
type PrintResult struct {
	Jobs []station.PrintJob `json:"jobs"`
	// PrinterError is the printer's failure when it was tried and did not
	// take the label ahead of or at the front of its queue (off, unplugged,
	// refused); the jobs stay queued and print when it is back.
	PrinterError string `json:"printer_error,omitempty"`
}

// firstAnswerWait bounds how long a print request waits for the printer's
// first answer before it replies. A printer that takes the label, or that
// is off and refuses the connection, answers in milliseconds; one that does
// not answer at all (unplugged: the connect times out after 5 s) is still
// "sending" when the reply goes, and the page asks again.
const firstAnswerWait = 3 * time.Second

func (s *Server) printLabel(c *fiber.Ctx) error {
	pr, err := s.printing()
	if err != nil {
		return err
	}
	var req station.PrintRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	jobs, err := pr.QueuePrint(c.UserContext(), ident(c).Actor, req)
	if err != nil {
		return err
	}
	res := PrintResult{Jobs: jobs}
	if s.cfg.Spooler != nil && len(jobs) > 0 {
		// Printing is "try now": a printer held in back-off is tried at
		// once, so that the answer says whether it prints now.
		if err := pr.RetryNow(c.UserContext(), req.Printer); err != nil {
			s.log.Warn("cannot reset the printer's back-off", "component", "web", "printer", req.Printer, "err", err)
		}
		s.kick()
		res = s.awaitFirstAnswer(c.UserContext(), pr, jobs)
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}

// awaitFirstAnswer waits, up to firstAnswerWait, until the first of jobs
// has left the queue (printed, or failed for good) or the printer failed an
// attempt at the front of its queue, and returns the jobs as they are then.
func (s *Server) awaitFirstAnswer(ctx context.Context, pr Printing, jobs []station.PrintJob) PrintResult {
	printer := jobs[0].Printer
	res := PrintResult{Jobs: jobs}
	tried := map[string]int{}
	if q, err := pr.Queue(printer); err == nil {
		for _, j := range q {
			tried[j.ID] = j.Attempts
		}
	}
	deadline := time.Now().Add(firstAnswerWait)
	for {
		q, err := pr.Queue(printer)
		if err != nil {
			return res
		}
		queued := map[string]station.PrintJob{}
		for _, j := range q {
			queued[j.ID] = j
		}
		if _, ok := queued[jobs[0].ID]; !ok {
			// Out of the queue: read the final states.
			if all, err := pr.Jobs(printer, "", 50+len(q)); err == nil {
				for _, j := range all {
					queued[j.ID] = j
				}
			}
		}
		for i, j := range jobs {
			if now, ok := queued[j.ID]; ok {
				res.Jobs[i] = now
			}
		}
		first := res.Jobs[0]
		switch {
		case first.State == station.JobDone || first.State == station.JobFailed:
			return res
		case len(q) > 0 && q[0].Attempts > tried[q[0].ID] && q[0].LastError != "":
			res.PrinterError = q[0].LastError
			return res
		case time.Now().After(deadline) || ctx.Err() != nil:
			return res
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (s *Server) listJobs(c *fiber.Ctx) error {
	pr, err := s.printing()
	if err != nil {
		return err
	}
	limit, err := queryLimit(c, 50, 500)
	if err != nil {
		return err
	}
	jobs, err := pr.Jobs(c.Query("printer"), c.Query("state"), limit)
	if err != nil {
		return err
	}
	if jobs == nil {
		jobs = []station.PrintJob{}
	}
	return c.JSON(JobList{Jobs: jobs})
}

func (s *Server) reprint(c *fiber.Ctx) error {
	pr, err := s.printing()
	if err != nil {
		return err
	}
	j, err := pr.Reprint(c.UserContext(), ident(c).Actor, c.Params("id"))
	if err != nil {
		return err
	}
	if err := pr.RetryNow(c.UserContext(), j.Printer); err != nil { // a reprint is "try now" too
		s.log.Warn("cannot reset the printer's back-off", "component", "web", "printer", j.Printer, "err", err)
	}
	s.kick()
	return c.Status(fiber.StatusCreated).JSON(j)
}

func (s *Server) listPrinters(c *fiber.Ctx) error {
	pr, err := s.printing()
	if err != nil {
		return err
	}
	list, err := pr.Printers(c.UserContext())
	if err != nil {
		return err
	}
	out := []PrinterView{}
	for _, p := range list {
		queue, err := pr.Queue(p.Name)
		if err != nil {
			return err
		}
		v := PrinterView{Printer: p, Queued: len(queue)}
		if len(queue) > 0 {
			v.LastError = queue[0].LastError // the job holding the queue
		}
		out = append(out, v)
	}
	return c.JSON(PrinterList{Printers: out})
}

func (s *Server) putPrinter(c *fiber.Ctx) error {
	pr, err := s.printing()
	if err != nil {
		return err
	}
	var p station.Printer
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	if p.Name == "" {
		p.Name = c.Params("name")
	}
	if p.Name != c.Params("name") {
		return station.Invalid("name", "must match the name in the path").Coded("printer_name_mismatch")
	}
	if err := pr.PutPrinter(c.UserContext(), ident(c).Actor, p); err != nil {
		return err
	}
	s.kick()
	return c.JSON(p)
}

func (s *Server) deletePrinter(c *fiber.Ctx) error {
	pr, err := s.printing()
	if err != nil {
		return err
	}
	if err := pr.DeletePrinter(c.UserContext(), ident(c).Actor, c.Params("name")); err != nil {
		return err
	}
	s.kick()
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) retryPrinter(c *fiber.Ctx) error {
	pr, err := s.printing()
	if err != nil {
		return err
	}
	if err := pr.RetryNow(c.UserContext(), c.Params("name")); err != nil {
		return err
	}
	s.kick()
	return c.Status(fiber.StatusAccepted).JSON(Accepted{Status: "retrying"})
}
