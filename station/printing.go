package station

import (
	"regexp"
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
	if p.Addr == "" || len(p.Addr) > 255 {
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
