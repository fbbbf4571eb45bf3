package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/gcpace"
	"github.com/trustvault/trustvault/vault/health"
)

// Exit statuses of doctor.
const (
	exitHealthy  = 0
	exitWarnings = 1
	exitProblems = 2
)

// exitStatus ends a command that has said what it had to say with a
// particular exit status and no error line (doctor in CI).
type exitStatus struct{ code int }

func (e *exitStatus) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func (a *app) doctorCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor [--json]",
		Short: "Check the trust directory's health: what needs attention, most urgent first",
		Long: `doctor runs every health check on the trust directory and prints each
finding, most urgent first, with what to do: keys with no verified backup,
root keys only on this disk, weak or legacy encryption, loose file modes or a
private directory reached through a symlink, roles expired or expiring
within 30 or 90 days, keys that metadata names but that are not here, keys
that no metadata names, one root key behind many repositories, unreadable
key files and metadata.

A key counts as backed up once trustvault backup has written it to a drive,
read it back and recorded it (in <trust dir>/trustvault/backups.json); it
needs two such copies, on two devices, made since the key last changed.

--json prints {"findings": [{"check", "severity", "key_id", "gun", "message",
"fix"}]}. Exit status: 0 healthy (notes at most), 1 warnings, 2 problems;
usable in CI.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			s, err := a.openStore()
			if err != nil {
				return fail("doctor", err)
			}
			// Little stays but the keys; reading them leaves garbage.
			defer gcpace.Start()()
			fw := &findingWriter{w: bufio.NewWriterSize(a.stdout, 64<<10), dir: s.Dir(), json: asJSON}
			fw.start()
			err = health.CheckEach(s, time.Now(), a.command(), fw.write)
			if err == nil {
				err = fw.finish()
			}
			if err != nil {
				return fail("doctor", err)
			}
			switch {
			case fw.count[health.SeverityProblem] > 0:
				return &exitStatus{code: exitProblems}
			case fw.count[health.SeverityWarning] > 0:
				return &exitStatus{code: exitWarnings}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// findingWriter prints doctor's findings as they come, as text or as
// {"findings": [...]} indented as encoding/json indents it, and counts
// them by severity.
type findingWriter struct {
	w     *bufio.Writer
	dir   string
	json  bool
	n     int
	count [health.SeverityProblem + 1]int
}

func (fw *findingWriter) start() {
	if fw.json {
		fw.w.WriteString("{\n  \"findings\": [")
	}
}

func (fw *findingWriter) write(f *health.Finding) error {
	fw.count[f.Severity]++
	fw.n++
	if fw.json {
		if fw.n > 1 {
			fw.w.WriteByte(',')
		}
		fw.w.WriteString("\n    {")
		for i, field := range [...]struct{ name, value string }{
			{"check", f.Check}, {"severity", f.Severity.String()}, {"key_id", f.KeyID}, {"gun", f.GUN}, {"message", f.Text()}, {"fix", f.Fix},
		} {
			if i > 0 {
				fw.w.WriteByte(',')
			}
			fw.w.WriteString("\n      \"" + field.name + "\": ")
			writeJSONString(fw.w, field.value)
		}
		_, err := fw.w.WriteString("\n    }")
		return err
	}
	subject := f.Check
	if f.GUN != "" {
		subject += " · " + f.GUN
	}
	if f.KeyID != "" {
		subject += " · key " + vault.ShortID(f.KeyID)
	}
	_, err := fmt.Fprintf(fw.w, "%-8s %s\n         %s\n         fix: %s\n", severityMark(f.Severity), subject, f.Text(), f.Fix)
	return err
}

// finish ends the output: the JSON's closing brackets, or the text's
// summary line.
func (fw *findingWriter) finish() error {
	switch {
	case fw.json && fw.n == 0:
		fw.w.WriteString("]\n}\n")
	case fw.json:
		fw.w.WriteString("\n  ]\n}\n")
	case fw.n == 0:
		fmt.Fprintf(fw.w, "%s: nothing needs attention.\n", fw.dir)
	default:
		fmt.Fprintf(fw.w, "\n%s: %s, %s, %s.\n", fw.dir,
			plural(fw.count[health.SeverityProblem], "problem", "problems"),
			plural(fw.count[health.SeverityWarning], "warning", "warnings"),
			plural(fw.count[health.SeverityInfo], "note", "notes"))
	}
	return fw.w.Flush()
}

// writeJSONString writes s as encoding/json quotes it (HTML characters
// escaped): most strings need no escaping and are written as they are.
func writeJSONString(w *bufio.Writer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			w.Write(b)
			return
		}
	}
	w.WriteByte('"')
	w.WriteString(s)
	w.WriteByte('"')
}

// severityMark is the finding's mark in the text output.
func severityMark(s health.Severity) string {
	switch s {
	case health.SeverityProblem:
		return "PROBLEM"
	case health.SeverityWarning:
		return "WARNING"
	default:
		return "NOTE"
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
