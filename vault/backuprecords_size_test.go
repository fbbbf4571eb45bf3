package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func recordsRun(name string, keys int) BackupRun {
	run := BackupRun{Archive: name, SHA256: "ab", Size: 1, Created: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
		Copies: []RecordCopy{{Identity: "usb:1", Label: "KEYS-A", VerifiedAt: time.Date(2026, 12, 2, 0, 0, 1, 0, time.UTC)}}}
	for i := range keys {
		run.Keys = append(run.Keys, RecordKey{ID: fmt.Sprintf("%064x", i), Role: "targets", GUN: "docker.io/acme/app",
			Modified: time.Date(2026, 12, 1, 0, 0, 0, i, time.UTC)})
	}
	return run
}

// TestEncodeRecordsKeepsTheNewestThatFit: the records are the JSON of
// the runs kept, which are the newest whose file fits the limit; a run
// too large alone is ErrRecordsFull, and nothing is written for it.
func TestEncodeRecordsKeepsTheNewestThatFit(t *testing.T) {
	var r Records
	r.Version = 1
	for i := range 6 {
		r.Backups = append(r.Backups, recordsRun(fmt.Sprint("run", i), 100))
	}
	one, _ := json.Marshal(&r.Backups[0])
	limit := 3*len(one) + 100 // three runs and the frame
	want := append([]BackupRun(nil), r.Backups[3:]...)
	data, err := encodeRecords(&r, limit)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > limit {
		t.Errorf("%d bytes, more than the limit %d", len(data), limit)
	}
	var back Records
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Version != 1 || !reflect.DeepEqual(back.Backups, want) || !reflect.DeepEqual(r.Backups, want) {
		t.Errorf("kept %d runs, want the newest 3 (run3..run5)", len(back.Backups))
	}
	if data[len(data)-1] != '\n' {
		t.Error("no final newline")
	}

	r.Backups = append(r.Backups, recordsRun("huge", 1000))
	if _, err := encodeRecords(&r, limit); !errors.Is(err, ErrRecordsFull) {
		t.Errorf("a run larger than the limit: %v, want ErrRecordsFull", err)
	}
	empty, err := encodeRecords(&Records{Version: 1}, limit)
	if err != nil || string(empty) != "{\"version\":1,\"backups\":[]}\n" {
		t.Errorf("no runs: %q, %v", empty, err)
	}
}

// TestManyLargeBackupsStayReadable: twenty backups of 10,000 keys are
// recorded one after another and the records stay readable, the newest
// kept (indented, the eighth made the file larger than is read back).
func TestManyLargeBackupsStayReadable(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20 records of 10,000 keys")
	}
	s := newStore(t)
	run := recordsRun("", 10_000)
	for i := range 20 {
		run.Archive = fmt.Sprintf("keys-backup-%02d.tar.gz", i)
		if err := s.updateRecords(func(r *Records) { r.Backups = append(r.Backups, run) }); err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
	}
	r, err := s.ReadRecords()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Backups); n < 10 || r.Backups[n-1].Archive != "keys-backup-19.tar.gz" || len(r.Backups[n-1].Keys) != 10_000 {
		t.Errorf("%d runs kept, the last %q", n, r.Backups[n-1].Archive)
	}
}
