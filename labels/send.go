package labels

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"returns-station/station"
)

// Deadlines of one [Send]. A context deadline that comes sooner wins.
const (
	// ConnectTimeout bounds the TCP connect: a printer that is off or
	// unplugged does not answer at all, and the spooler should move on to
	// its back-off rather than hang.
	ConnectTimeout = 5 * time.Second
	// WriteTimeout bounds writing one job. A printer out of paper or with
	// its head open stops reading once its buffer is full; a label of a few
	// KB takes milliseconds otherwise.
	WriteTimeout = 20 * time.Second
)

// SendError is a failed [Send]. Retryable says whether the same bytes sent
// later may print: true when the printer is away (off, unplugged, busy,
// out of paper, a timeout, a dropped connection), false when only a change
// of configuration can help (an address that is not host:port, a host name
// that does not exist).
type SendError struct {
	Addr      string
	Op        string // "address", "dial" or "write"
	Retryable bool
	Err       error
}

// Error says which printer, what step and why, for logs and a job's last
// error.
func (e *SendError) Error() string {
	return fmt.Sprintf("printer %s: %s: %v", e.Addr, e.Op, e.Err)
}

// Unwrap returns the network error, for errors.Is and errors.As.
func (e *SendError) Unwrap() error { return e.Err }

// Retryable reports whether err is a [SendError] worth retrying later.
// Errors of any other kind, including a cancelled context, are not.
func Retryable(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Retryable
}

// Send writes data to the printer at addr ("host:port", usually port 9100)
// over raw TCP, the way Zebra-compatible printers take ZPL, and closes the
// connection.
//
// Raw TCP printing has no acknowledgement: success means the printer
// accepted the connection and every byte was handed to the network, not that
// a label came out. A printer that fails in the next instant can still lose
// that label; reprint covers it.
//
// Errors are a *SendError (see [Retryable]), or ctx's error wrapped when ctx
// ends first.
func Send(ctx context.Context, addr string, data []byte) error {
	return send(ctx, addr, data, ConnectTimeout, WriteTimeout)
}

func send(ctx context.Context, addr string, data []byte, connectTimeout, writeTimeout time.Duration) error {
	if err := station.CheckPrinterAddr(addr); err != nil {
		return &SendError{Addr: addr, Op: "address", Err: err}
	}

	d := net.Dialer{Timeout: connectTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("send to printer %s: %w", addr, ctx.Err())
		}
		var dnsErr *net.DNSError
		permanent := errors.As(err, &dnsErr) && dnsErr.IsNotFound
		return &SendError{Addr: addr, Op: "dial", Retryable: !permanent, Err: err}
	}
	defer conn.Close()

	deadline := time.Now().Add(writeTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := conn.SetWriteDeadline(deadline); err != nil {
		return &SendError{Addr: addr, Op: "write", Retryable: true, Err: err}
	}
	// A cancelled context unblocks a write stuck on a full printer buffer.
	stop := context.AfterFunc(ctx, func() { conn.SetWriteDeadline(time.Now()) })
	defer stop()

	if _, err := conn.Write(data); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("send to printer %s: %w", addr, ctx.Err())
		}
		return &SendError{Addr: addr, Op: "write", Retryable: true, Err: err}
	}
	if err := conn.Close(); err != nil {
		return &SendError{Addr: addr, Op: "write", Retryable: true, Err: err}
	}
	return nil
}
