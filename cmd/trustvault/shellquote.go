package main

import (
	"regexp"
	"strings"
	"sync"
)

// shellQuote makes s one word for a POSIX shell, so that a suggested
// command can be pasted as it is: s unchanged when it holds only characters
// no shell treats specially, else in single quotes (a single quote inside
// becomes '\”). A drive label with a space, a $ or a quote stays one word.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if !strings.ContainsFunc(s, needsQuote) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func needsQuote(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("@%+=:,./_-", r)
}

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

// trustvaultCommand finds a trustvault command line in advice text. It is
// compiled when first used, not at every command's start.
var trustvaultCommand = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\btrustvault (list|repos|generate|passwd|import|export|harden|doctor|backup|restore|verify|drill|guide|explain|devices|yubikey)\b`)
})

// here makes the trustvault commands in the engine's advice (doctor's
// fixes, explain's and guide's text) act on the trust directory open in
// this run: with --trust-dir when one was given. The engine writes them
// for the default directory.
func (a *app) here(advice string) string {
	if a.trustDir == "" {
		return advice
	}
	prefix := a.command()
	return trustvaultCommand().ReplaceAllStringFunc(advice, func(m string) string {
		return prefix + strings.TrimPrefix(m, "trustvault")
	})
}
