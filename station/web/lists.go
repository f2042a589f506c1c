package web

import "returns-station/station"

// The answers of the list routes: objects, so a list can grow paging or
// totals without breaking clients. The OpenAPI document describes them
// from these types.

// ParcelPage is one page of GET /parcels; ask again with cursor=next_cursor
// for the next ("" when there is none).
type ParcelPage struct {
	Parcels    []*station.Parcel `json:"parcels"`
	NextCursor string            `json:"next_cursor"`
}

// PrinterView is a printer with the state of its queue.
type PrinterView struct {
	station.Printer
	Queued    int    `json:"queued"`
	LastError string `json:"last_error,omitempty"` // the error of the job holding the queue
}

// PrinterList answers GET /printers.
type PrinterList struct {
	Printers []PrinterView `json:"printers"`
}

// JobList answers GET /labels/jobs.
type JobList struct {
	Jobs []station.PrintJob `json:"jobs"`
}

// ExceptionList answers GET /exceptions.
type ExceptionList struct {
	Exceptions []*station.Exception `json:"exceptions"`
}

// EventPage answers GET /events: events after the seq asked for, and the
// newest seq of the log.
type EventPage struct {
	Events  []station.Event `json:"events"`
	LastSeq uint64          `json:"last_seq"`
}

// AuditPage answers GET /audit; ask again with before=next_before for older
// entries (absent when there are none).
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextBefore uint64       `json:"next_before,omitempty"`
}

// ParkedList answers GET /sync/parked.
type ParkedList struct {
	Parked []station.ParkedEvent `json:"parked"`
}

// TokenList answers GET /tokens.
type TokenList struct {
	Tokens []station.Token `json:"tokens"`
}

// UserList answers GET /users.
type UserList struct {
	Users []station.User `json:"users"`
}

// Accepted answers a request that starts work in the background (202).
type Accepted struct {
	Status string `json:"status"` // "retrying"
}
