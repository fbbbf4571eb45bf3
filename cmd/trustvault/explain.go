package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/trustvault/trustvault/vault/health"
)

// maxExplainInput bounds what explain reads from standard input.
const maxExplainInput = 64 << 10

func (a *app) explainCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   `explain "ERROR TEXT" | explain -`,
		Short: "Explain an error from docker or notary: its likely cause in this trust directory, and the fix",
		Long: `explain reads an error message from docker trust or notary (as an argument,
or from standard input with -), recognises what it means ("did not meet
threshold", "could not find necessary signing keys", "was touch input
provided", "Passphrase incorrect", expired metadata, ...), looks at the trust
directory (is the key it names here? which role of which repository is it?
when does that role expire?) and says what to do.

--json prints {"explanations": [{"cause", "title", "here", "fix", "key_ids",
"gun", "role"}]}.`,
		Args: minArgs(1, "the error text, or - to read it from standard input"),
		RunE: func(_ *cobra.Command, args []string) error {
			text := strings.Join(args, " ")
			if len(args) == 1 && args[0] == "-" {
				data, err := io.ReadAll(io.LimitReader(a.stdin, maxExplainInput))
				if err != nil {
					return fail("explain", fmt.Errorf("read standard input: %w", err))
				}
				text = string(data)
			}
			if strings.TrimSpace(text) == "" {
				return usage("no error text: give it as an argument, or pipe it in with -")
			}
			s, err := a.openStore()
			if err != nil {
				return fail("explain", err)
			}
			es := health.ExplainStore(s, text, time.Now(), a.command())
			if asJSON {
				err = writeExplanationsJSON(a.stdout, es)
			} else {
				err = writeExplanations(a.stdout, es)
			}
			if err != nil {
				return fail("explain", err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func writeExplanations(w io.Writer, es []health.Explanation) error {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString("\n")
		}
		if len(es) > 1 {
			fmt.Fprintf(&b, "%d. ", i+1)
		}
		fmt.Fprintf(&b, "%s (%s)\n", upperFirst(e.Title), e.Cause)
		if len(e.Here) > 0 {
			b.WriteString("   In this trust directory:\n")
			for _, h := range e.Here {
				fmt.Fprintf(&b, "   - %s\n", h)
			}
		}
		fmt.Fprintf(&b, "   Fix: %s\n", e.Fix)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

type explanationJSON struct {
	Cause  string   `json:"cause"`
	Title  string   `json:"title"`
	Here   []string `json:"here"`
	Fix    string   `json:"fix"`
	KeyIDs []string `json:"key_ids"`
	GUN    string   `json:"gun"`
	Role   string   `json:"role"`
}

func writeExplanationsJSON(w io.Writer, es []health.Explanation) error {
	out := struct {
		Explanations []explanationJSON `json:"explanations"`
	}{Explanations: make([]explanationJSON, 0, len(es))}
	for _, e := range es {
		j := explanationJSON{Cause: e.Cause, Title: e.Title, Here: e.Here, Fix: e.Fix, KeyIDs: e.KeyIDs, GUN: e.GUN, Role: e.Role}
		if j.Here == nil {
			j.Here = []string{}
		}
		if j.KeyIDs == nil {
			j.KeyIDs = []string{}
		}
		out.Explanations = append(out.Explanations, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
