package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
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
			fs := health.Check(s, time.Now(), a.command())
			if asJSON {
				err = writeFindingsJSON(a.stdout, fs)
			} else {
				err = writeFindings(a.stdout, s.Dir(), fs)
			}
			if err != nil {
				return fail("doctor", err)
			}
			switch w, _ := health.Worst(fs); {
			case len(fs) == 0 || w == health.SeverityInfo:
				return nil
			case w == health.SeverityWarning:
				return &exitStatus{code: exitWarnings}
			default:
				return &exitStatus{code: exitProblems}
			}
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

type findingJSON struct {
	Check    string `json:"check"`
	Severity string `json:"severity"`
	KeyID    string `json:"key_id"`
	GUN      string `json:"gun"`
	Message  string `json:"message"`
	Fix      string `json:"fix"`
}

func writeFindingsJSON(w io.Writer, fs []health.Finding) error {
	out := struct {
		Findings []findingJSON `json:"findings"`
	}{Findings: make([]findingJSON, 0, len(fs))}
	for _, f := range fs {
		out.Findings = append(out.Findings, findingJSON{
			Check: f.Check, Severity: f.Severity.String(), KeyID: f.KeyID, GUN: f.GUN, Message: f.Message, Fix: f.Fix,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
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

func writeFindings(w io.Writer, dir string, fs []health.Finding) error {
	var b strings.Builder
	if len(fs) == 0 {
		fmt.Fprintf(&b, "%s: nothing needs attention.\n", dir)
		_, err := io.WriteString(w, b.String())
		return err
	}
	for _, f := range fs {
		subject := []string{f.Check}
		if f.GUN != "" {
			subject = append(subject, f.GUN)
		}
		if f.KeyID != "" {
			subject = append(subject, "key "+vault.ShortID(f.KeyID))
		}
		fmt.Fprintf(&b, "%-8s %s\n         %s\n         fix: %s\n", severityMark(f.Severity), strings.Join(subject, " · "), f.Message, f.Fix)
	}
	fmt.Fprintf(&b, "\n%s: %s, %s, %s.\n", dir,
		plural(health.Count(fs, health.SeverityProblem), "problem", "problems"),
		plural(health.Count(fs, health.SeverityWarning), "warning", "warnings"),
		plural(health.Count(fs, health.SeverityInfo), "note", "notes"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
