package labels_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"returns-station/labels"
	"returns-station/station"
)

func ExampleQR() {
	unit := station.LabelCode{Kind: station.LabelUnit, ID: "01JD2Z6W8Q3M5T7V9X1Z3B5D7E"}
	for _, size := range []string{station.LabelSizeSmall, station.LabelSizeLarge} {
		q, err := labels.QR(unit, size)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s, version %d, level %s, %d modules with the quiet zone\n", size, q.Payload, q.Version, q.Level, q.Size)
	}
	// Output:
	// 50x25: RS1:U:01JD2Z6W8Q3M5T7V9X1Z3B5D7E, version 2, level M, 33 modules with the quiet zone
	// 100x150: RS1:U:01JD2Z6W8Q3M5T7V9X1Z3B5D7E, version 3, level H, 37 modules with the quiet zone
}

func ExampleZPL() {
	tote := station.LabelContent{
		Code:    station.LabelCode{Kind: station.LabelTote, ID: "T-0012"},
		Title:   "T-0012",
		Date:    time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Station: "WH-SH-01",
	}
	z, err := labels.ZPL(tote, station.LabelSizeSmall, 203, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(string(z)), "\n") {
		if i := strings.Index(line, "^GFA,"); i >= 0 {
			line = line[:i] + "^GFA,… (dots)"
		}
		fmt.Println(line)
	}
	// Output:
	// ^XA
	// ^CI28
	// ^PW400
	// ^LL200
	// ^LH0,0
	// ^FO4,13^GFA,… (dots)
	// ^FO178,8^GFA,… (dots)
	// ^FO178,44^GFA,… (dots)
	// ^XZ
}

func ExampleSend() {
	// A printer on the loopback interface, as tests use.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	got := make(chan []byte)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()

	if err := labels.Send(context.Background(), ln.Addr().String(), []byte("^XA^FO20,20^A0N,30,30^FDhello^FS^XZ")); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("printer got %s\n", <-got)
	// Output: printer got ^XA^FO20,20^A0N,30,30^FDhello^FS^XZ
}

func ExampleRetryable() {
	err := labels.Send(context.Background(), "printer-1", []byte("^XA^XZ"))
	var se *labels.SendError
	fmt.Println(errors.As(err, &se), se.Op, labels.Retryable(err))
	// Output: true address false
}

func ExampleSheet() {
	var in []station.LabelContent
	for i := range 50 {
		id := fmt.Sprintf("T-%04d", i)
		in = append(in, station.LabelContent{Code: station.LabelCode{Kind: station.LabelTote, ID: id}, Title: id})
	}
	var buf bytes.Buffer
	if err := labels.Sheet(&buf, in, station.LabelSizeSmall); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Count(buf.String(), `<section class="page">`), "A4 pages")
	// Output: 2 A4 pages
}
