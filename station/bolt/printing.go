package bolt

import (
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// Jobs of a printer are queued in idx_job_queue under printer\x00jobID (job
// ids increase), so the oldest unfinished job is the first key with the
// printer's prefix. Done and failed jobs leave the queue.

// PutPrinter adds or replaces a printer in the registry.
func (d *DB) PutPrinter(ctx context.Context, actor string, p station.Printer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	_, err := d.write(ctx, func(t *txn) (any, error) {
		if err := put(t.b(bPrinters), []byte(p.Name), p); err != nil {
			return nil, err
		}
		return nil, d.systemEnv(actor).Emit(t, "printer/"+p.Name, station.PrinterSavedData{Printer: p})
	})
	return err
}

// DeletePrinter removes a printer; its queued jobs wait until it is added again.
func (d *DB) DeletePrinter(ctx context.Context, actor, name string) error {
	_, err := d.write(ctx, func(t *txn) (any, error) {
		if t.b(bPrinters).Get([]byte(name)) == nil {
			return nil, station.PrinterNotFound(name)
		}
		if err := t.b(bPrinters).Delete([]byte(name)); err != nil {
			return nil, err
		}
		return nil, d.systemEnv(actor).Emit(t, "printer/"+name, station.PrinterRemovedData{Name: name})
	})
	return err
}

// Printers lists the configured printers.
func (d *DB) Printers(context.Context) ([]station.Printer, error) {
	var out []station.Printer
	err := d.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bPrinters).ForEach(func(_, v []byte) error {
			var p station.Printer
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// QueuePrint builds the label for req and queues copies of it for the
// printer, in one transaction. The printer must exist.
func (d *DB) QueuePrint(ctx context.Context, actor string, req station.PrintRequest) ([]station.PrintJob, error) {
	code, err := req.Code()
	if err != nil {
		return nil, err
	}
	res, err := d.write(ctx, func(t *txn) (any, error) {
		if t.b(bPrinters).Get([]byte(req.Printer)) == nil {
			return nil, station.PrinterUnknown(req.Printer)
		}
		content, err := station.LabelFor(t, code, d.stationID, d.now())
		if err != nil {
			return nil, err
		}
		var jobs []station.PrintJob
		for i := 0; i < req.Copies; i++ {
			j := station.NewPrintJob(d.newID(), req.Printer, *content, actor, d.now())
			if err := putJob(t, &j); err != nil {
				return nil, err
			}
			jobs = append(jobs, j)
		}
		return jobs, nil
	})
	if err != nil {
		return nil, err
	}
	return res.([]station.PrintJob), nil
}

// Reprint queues a new job with the content of job id.
func (d *DB) Reprint(ctx context.Context, actor, id string) (*station.PrintJob, error) {
	res, err := d.write(ctx, func(t *txn) (any, error) {
		old, err := get[station.PrintJob](t.b(bPrintJobs), []byte(id))
		if err != nil {
			return nil, err
		}
		if old == nil {
			return nil, station.JobNotFound(id)
		}
		j := old.Reprint(d.newID(), actor, d.now())
		return &j, putJob(t, &j)
	})
	if err != nil {
		return nil, err
	}
	return res.(*station.PrintJob), nil
}

func putJob(t *txn, j *station.PrintJob) error {
	qk := key(j.Printer, j.ID)
	var err error
	if j.Waiting() {
		err = t.b(bJobQueue).Put(qk, nil)
	} else {
		err = t.b(bJobQueue).Delete(qk)
	}
	if err != nil {
		return err
	}
	return put(t.b(bPrintJobs), []byte(j.ID), j)
}

// Jobs lists print jobs newest first, optionally of one printer or state.
func (d *DB) Jobs(printer, state string, limit int) ([]station.PrintJob, error) {
	var out []station.PrintJob
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bPrintJobs).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var j station.PrintJob
			if err := json.Unmarshal(v, &j); err != nil {
				return err
			}
			if (printer == "" || j.Printer == printer) && (state == "" || j.State == state) {
				out = append(out, j)
			}
		}
		return nil
	})
	return out, err
}

// Queue returns the unfinished jobs of printer, oldest first, from the queue
// index: cheap however long the printed history grows.
func (d *DB) Queue(printer string) ([]station.PrintJob, error) {
	var out []station.PrintJob
	err := d.View(func(tx station.Tx) error {
		t := tx.(*txn)
		for _, id := range t.prefixIDs(bJobQueue, printer) {
			j, err := get[station.PrintJob](t.b(bPrintJobs), []byte(id))
			if err != nil {
				return err
			}
			if j != nil {
				out = append(out, *j)
			}
		}
		return nil
	})
	return out, err
}

// NextJob returns the oldest unfinished job of printer (labels.JobStore).
func (d *DB) NextJob(_ context.Context, printer string) (station.PrintJob, bool, error) {
	var j *station.PrintJob
	err := d.View(func(tx station.Tx) error {
		t := tx.(*txn)
		ids := t.prefixIDs(bJobQueue, printer)
		if len(ids) == 0 {
			return nil
		}
		var err error
		j, err = get[station.PrintJob](t.b(bPrintJobs), []byte(ids[0]))
		return err
	})
	if err != nil || j == nil {
		return station.PrintJob{}, false, err
	}
	return *j, true, nil
}

func (d *DB) updateJob(ctx context.Context, id string, fn func(t *txn, j *station.PrintJob) error) error {
	_, err := d.write(ctx, func(t *txn) (any, error) {
		j, err := get[station.PrintJob](t.b(bPrintJobs), []byte(id))
		if err != nil {
			return nil, err
		}
		if j == nil {
			return nil, station.JobNotFound(id)
		}
		if err := fn(t, j); err != nil {
			return nil, err
		}
		j.UpdatedAt = d.now()
		return nil, putJob(t, j)
	})
	return err
}

// MarkSending records that job id is being sent (labels.JobStore).
func (d *DB) MarkSending(ctx context.Context, id string) error {
	return d.updateJob(ctx, id, func(_ *txn, j *station.PrintJob) error {
		j.Sending()
		return nil
	})
}

// MarkDone records that job id reached its printer and appends the
// returns.label.printed event in the same transaction (labels.JobStore).
func (d *DB) MarkDone(ctx context.Context, id string, at time.Time) error {
	return d.updateJob(ctx, id, func(t *txn, j *station.PrintJob) error {
		printed := j.Printed(at)
		return d.systemEnv(j.Actor).Emit(t, "label/"+printed.Code, printed)
	})
}

// MarkRetry records a failed attempt; the job stays first in its queue (labels.JobStore).
func (d *DB) MarkRetry(ctx context.Context, id string, attempts int, lastErr string, next time.Time) error {
	return d.updateJob(ctx, id, func(_ *txn, j *station.PrintJob) error {
		j.Retry(attempts, lastErr, next)
		return nil
	})
}

// MarkFailed records that a job can never print as it is (labels.JobStore).
func (d *DB) MarkFailed(ctx context.Context, id string, lastErr string, at time.Time) error {
	return d.updateJob(ctx, id, func(_ *txn, j *station.PrintJob) error {
		j.Fail(lastErr)
		return nil
	})
}

// RetryNow makes the queued jobs of printer due at once (after the printer
// was fixed), so the spooler does not wait out its back-off.
func (d *DB) RetryNow(ctx context.Context, printer string) error {
	_, err := d.write(ctx, func(t *txn) (any, error) {
		for _, id := range t.prefixIDs(bJobQueue, printer) {
			j, err := get[station.PrintJob](t.b(bPrintJobs), []byte(id))
			if err != nil || j == nil {
				return nil, err
			}
			j.NextAttemptAt = time.Time{}
			if err := put(t.b(bPrintJobs), []byte(id), j); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	return err
}
