package labels_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"returns-station/labels"
	"returns-station/station"
)

func TestSendToFakePrinter(t *testing.T) {
	p := newFakePrinter(t)
	z, err := labels.ZPL(unitLabel(), station.LabelSizeSmall, 203, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := labels.Send(context.Background(), p.addr, z); err != nil {
		t.Fatalf("Send: %v", err)
	}
	eventually(t, "the printer to get the job", func() bool { return len(p.received()) == 1 })
	if got := p.received()[0]; !bytes.Equal(got, z) {
		t.Errorf("got %d bytes at the printer, want the %d of the format", len(got), len(z))
	}
}

func TestSendErrors(t *testing.T) {
	// A port that was just free: connections to it are refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	tests := []struct {
		name      string
		addr      string
		op        string
		retryable bool
	}{
		{"printer off", refused, "dial", true},
		{"no port", "127.0.0.1", "address", false},
		{"no host", ":9100", "address", false},
		{"port out of range", "127.0.0.1:70000", "address", false},
		{"port not a number", "127.0.0.1:lpt", "address", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := labels.Send(context.Background(), tc.addr, []byte("^XA^XZ"))
			var se *labels.SendError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *SendError", err)
			}
			if se.Op != tc.op || se.Retryable != tc.retryable || labels.Retryable(err) != tc.retryable {
				t.Errorf("got op %q retryable %v, want %q %v (%v)", se.Op, se.Retryable, tc.op, tc.retryable, err)
			}
		})
	}
}

// stalledPrinter accepts connections and never reads, as a printer with its
// buffer full does.
func stalledPrinter(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	conns := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(done)
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestSendWriteDeadline(t *testing.T) {
	addr := stalledPrinter(t)
	big := make([]byte, 64<<20) // more than the socket buffers hold

	start := time.Now()
	err := labels.SendWithin(context.Background(), addr, big, time.Second, 200*time.Millisecond)
	if !labels.Retryable(err) {
		t.Fatalf("got %v, want a retryable write error", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("got %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("got a %v send, want about the 200ms write deadline", d)
	}
}

func TestSendCancelled(t *testing.T) {
	addr := stalledPrinter(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err := labels.Send(ctx, addr, make([]byte, 64<<20))
	if !errors.Is(err, context.Canceled) || labels.Retryable(err) {
		t.Errorf("got %v (retryable %v), want context.Canceled, not retryable", err, labels.Retryable(err))
	}
}
