package station

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"time"
)

// Label sizes the station lays out.
const (
	LabelSizeLarge = "100x150" // 4×6 in unit label
	LabelSizeSmall = "50x25"   // small tote, location or unit label
)

// Print job states.
const (
	JobQueued  = "queued"
	JobSending = "sending"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Printer is a label printer on the warehouse LAN (raw TCP, usually port 9100).
type Printer struct {
	Name string `json:"name"`
	Addr string `json:"addr"` // host:port
	DPI  int    `json:"dpi"`  // 203 or 300
	Size string `json:"size"` // LabelSizeLarge or LabelSizeSmall
	// Font is the printer-resident font for CJK text under ^CI28 (for example
	// "E:SIMSUN.FNT"); empty means the printer has none and labels print
	// ASCII fields only.
	Font string `json:"font,omitempty"`
}

var printerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Validate checks a printer entry and names every field at fault.
func (p *Printer) Validate() error {
	var pr Problems
	if !printerName.MatchString(p.Name) {
		pr.AddCode("name", "printer_name", "required: 1-32 lower-case letters, digits, - or _")
	}
	if len(p.Addr) > 255 || CheckPrinterAddr(p.Addr) != nil {
		pr.AddCode("addr", "printer_addr", "required: host:port of the printer, usually port 9100")
	}
	if p.DPI != 203 && p.DPI != 300 {
		pr.AddCode("dpi", "printer_dpi", "must be 203 or 300")
	}
	if p.Size != LabelSizeLarge && p.Size != LabelSizeSmall {
		pr.AddCode("size", "printer_size", "must be 100x150 or 50x25")
	}
	return pr.Err("the printer is not valid")
}

// CheckPrinterAddr checks a printer's address: "host:port" with a host and
// a port from 1 to 65535 (raw TCP printing listens on 9100). It is the one
// rule for the address, checked when a printer is saved and again before a
// label is sent to one saved before the rule was. It does no look-up: a
// host that does not resolve is found when sending.
func CheckPrinterAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" {
		return errors.New("missing host")
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("port %q is not 1-65535", port)
	}
	return nil
}

// LabelContent is what a label shows, whatever it is rendered to.
type LabelContent struct {
	Code        LabelCode `json:"code"`
	Title       string    `json:"title"` // human-readable id, e.g. the unit id or tote code
	SKU         string    `json:"sku,omitempty"`
	Name        string    `json:"name,omitempty"` // product name, may be Chinese
	Grade       string    `json:"grade,omitempty"`
	Disposition string    `json:"disposition,omitempty"`
	Destination string    `json:"destination,omitempty"` // tote or location it should go to
	RMA         string    `json:"rma,omitempty"`
	Date        time.Time `json:"date"`
	Station     string    `json:"station"`
}

// PrintJob is one label queued for one printer. Jobs for a printer print in
// the order they were queued; a printer that is away holds its queue.
type PrintJob struct {
	ID            string       `json:"id"`
	Printer       string       `json:"printer"`
	Content       LabelContent `json:"content"`
	State         string       `json:"state"`
	Attempts      int          `json:"attempts"`
	LastError     string       `json:"last_error,omitempty"`
	NextAttemptAt time.Time    `json:"next_attempt_at,omitempty"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
	PrintedAt     *time.Time   `json:"printed_at,omitempty"`
	Actor         string       `json:"actor"`
}

// NewPrintJob is a job queued now for printer to print c, for actor.
func NewPrintJob(id, printer string, c LabelContent, actor string, now time.Time) PrintJob {
	return PrintJob{ID: id, Printer: printer, Content: c, State: JobQueued, CreatedAt: now, UpdatedAt: now, Actor: actor}
}

// Reprint is a new job, queued now, with the printer and content of j.
func (j *PrintJob) Reprint(id, actor string, now time.Time) PrintJob {
	return NewPrintJob(id, j.Printer, j.Content, actor, now)
}

// Waiting reports whether j still belongs in its printer's queue: queued,
// or being sent. Done and failed jobs leave it.
func (j *PrintJob) Waiting() bool { return j.State == JobQueued || j.State == JobSending }

// Sending records that j is being sent to its printer.
func (j *PrintJob) Sending() { j.State = JobSending }

// Printed records that j reached its printer at, and returns the data of
// its returns.label.printed event.
func (j *PrintJob) Printed(at time.Time) LabelPrintedData {
	j.State, j.PrintedAt, j.LastError = JobDone, &at, ""
	return LabelPrintedData{JobID: j.ID, Printer: j.Printer, Code: j.Content.Code.String(), Kind: j.Content.Code.Kind,
		ID: j.Content.Code.ID, Attempts: j.Attempts + 1}
}

// Retry records a failed attempt: j stays first in its queue and is tried
// again at next.
func (j *PrintJob) Retry(attempts int, lastErr string, next time.Time) {
	j.State, j.Attempts, j.LastError, j.NextAttemptAt = JobQueued, attempts, lastErr, next
}

// Fail records that j can never print as it is; it leaves the queue.
func (j *PrintJob) Fail(lastErr string) { j.State, j.LastError = JobFailed, lastErr }

// PrinterUnknown refuses a print to a printer that is not configured.
func PrinterUnknown(name string) error {
	return Invalid("printer", fmt.Sprintf("no printer named %q is configured; an admin adds it under printers", name)).Coded("printer_unknown", "printer", name)
}

// PrinterNotFound is the answer about a name no printer has.
func PrinterNotFound(name string) error {
	return Errorf(ENotFound, "no printer named %q", name).Coded("not_found_printer", "id", name)
}

// JobNotFound is the answer about an id no print job has.
func JobNotFound(id string) error {
	return Errorf(ENotFound, "no print job %q", id).Coded("not_found_job", "id", id)
}
