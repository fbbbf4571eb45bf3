package main

import (
	"strings"

	"github.com/trustvault/trustvault/vault"
)

// shellQuote makes s one word for a POSIX shell (vault.ShellQuote).
func shellQuote(s string) string { return vault.ShellQuote(s) }

// shellLine joins words into a command line, each quoted as needed.
func shellLine(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

// command is a trustvault command line to suggest: with --trust-dir when
// this run was given one, so that the suggestion acts on the directory
// that is open here and not on the default one.
func (a *app) command(args ...string) string {
	words := []string{"trustvault"}
	if a.trustDir != "" {
		words = append(words, "--trust-dir", a.trustDir)
	}
	return shellLine(append(words, args...)...)
}
