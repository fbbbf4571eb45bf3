package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"golang.org/x/term"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/passphrase"
)

// Environment variables that hold passphrases (FORMAT.md §6).
const (
	envNotaryRoot       = "NOTARY_ROOT_PASSPHRASE"
	envNotaryTargets    = "NOTARY_TARGETS_PASSPHRASE"
	envNotarySnapshot   = "NOTARY_SNAPSHOT_PASSPHRASE"
	envNotaryDelegation = "NOTARY_DELEGATION_PASSPHRASE"
	envDockerRoot       = "DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE"
	envDockerRepository = "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE"
	// envNewPassphrase is the new passphrase for passwd. notary's key passwd
	// reads old and new from the same variable, which can only re-encrypt
	// under the same passphrase; trustvault keeps them apart.
	envNewPassphrase = "TRUSTVAULT_NEW_PASSPHRASE"
)

// maxAttempts is how often a person is asked before trustvault gives up, as
// notary's prompt does.
const maxAttempts = 4

// minPassphraseLen is notary's minimum for a new passphrase typed at a
// prompt. Variables are taken as they are, as notary does.
const minPassphraseLen = 8

// passphraseVars lists the variables that may hold the passphrase of a key
// with this role header, in the order they are read: notary's variable for
// the role first (the more specific), then docker's. notary has no variable
// for timestamp keys; docker has no per-role variable beyond root.
func passphraseVars(role string) []string {
	switch role {
	case "root":
		// Root never falls back to the repository passphrase.
		return []string{envNotaryRoot, envDockerRoot}
	case "targets":
		return []string{envNotaryTargets, envDockerRepository}
	case "snapshot":
		return []string{envNotarySnapshot, envDockerRepository}
	case "timestamp":
		return []string{envDockerRepository}
	default:
		// Delegations (targets/releases), docker signer names (alice),
		// notary's import default (delegation) and unknown roles.
		return []string{envNotaryDelegation, envDockerRepository}
	}
}

// terminal reads a passphrase without echo.
type terminal interface {
	ReadPassword() ([]byte, error)
}

// ttyTerminal is a real terminal.
type ttyTerminal struct{ fd int }

// ReadPassword reads one line without echo. An interrupt while reading
// restores the terminal's echo before the process ends: nothing has been
// written at that point.
func (t ttyTerminal) ReadPassword() ([]byte, error) {
	state, err := term.GetState(t.fd)
	if err != nil {
		return nil, err
	}
	sig := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sig, os.Interrupt)
	go func() {
		select {
		case <-sig:
			_ = term.Restore(t.fd, state)
			fmt.Fprintln(os.Stderr)
			os.Exit(130)
		case <-done:
		}
	}()
	defer func() {
		signal.Stop(sig)
		close(done)
	}()
	return term.ReadPassword(t.fd)
}

// passphrases answers the engine's passphrase requests from the environment,
// else from a terminal prompt.
type passphrases struct {
	getenv func(string) string
	term   terminal  // nil when there is no terminal
	out    io.Writer // prompts and their messages (standard error)
	// policy, when set, refuses weak new passphrases (policy.go);
	// allowWeak turns the refusals into warnings.
	policy    *passphrase.Policy
	allowWeak bool

	warnedRoot bool
}

// noPassphraseError means no variable is set and there is no terminal.
// what names the secret ("PIN"); empty means a passphrase.
type noPassphraseError struct {
	vars []string
	what string
}

func (e *noPassphraseError) Error() string {
	what := e.what
	if what == "" {
		what = "passphrase"
	}
	return fmt.Sprintf("no %s: set %s, or run in a terminal to be asked", what, orList(e.vars))
}

// envPassphraseError means the passphrase from a variable did not unlock the
// key. Asking the same variable again is pointless, so this ends the
// operation at once.
type envPassphraseError struct{ name string }

func (e *envPassphraseError) Error() string { return "wrong passphrase in " + e.name }

func (e *envPassphraseError) Unwrap() error { return vault.ErrWrongPassphrase }

// tooManyAttemptsError means a person typed a wrong passphrase maxAttempts times.
type tooManyAttemptsError struct{}

func (e *tooManyAttemptsError) Error() string {
	return fmt.Sprintf("wrong passphrase (%d attempts)", maxAttempts)
}

func (e *tooManyAttemptsError) Unwrap() error { return vault.ErrWrongPassphrase }

// get is a vault.PassphraseFunc: new passphrases and existing ones from the
// role's variables, else from the terminal.
func (p *passphrases) get(req vault.PassphraseRequest) ([]byte, error) {
	return p.lookup(passphraseVars(req.Role), req)
}

// newFromVar is a vault.PassphraseFunc for passwd's new passphrase: from
// TRUSTVAULT_NEW_PASSPHRASE, else from the terminal.
func (p *passphrases) newFromVar(req vault.PassphraseRequest) ([]byte, error) {
	req.New = true
	return p.lookup([]string{envNewPassphrase}, req)
}

func (p *passphrases) lookup(vars []string, req vault.PassphraseRequest) ([]byte, error) {
	name, fromEnv := p.fromEnv(vars)
	switch {
	case fromEnv && req.Attempt > 1:
		// The engine asks again only after a wrong passphrase.
		return nil, &envPassphraseError{name: name}
	case req.New && !fromEnv && p.term != nil:
		return p.promptNew(req)
	case req.New:
		return p.newSecret(vars, "", req)
	case !fromEnv && p.term != nil:
		return p.promptExisting(req)
	}
	return p.secret(vars, "", "")
}

// fromEnv returns the first variable in vars that is set and not empty.
func (p *passphrases) fromEnv(vars []string) (string, bool) {
	for _, name := range vars {
		if p.getenv(name) != "" {
			return name, true
		}
	}
	return "", false
}

func (p *passphrases) promptExisting(req vault.PassphraseRequest) ([]byte, error) {
	if req.Attempt > maxAttempts {
		return nil, &tooManyAttemptsError{}
	}
	if req.Attempt > 1 {
		fmt.Fprintln(p.out, "Passphrase incorrect. Please retry.")
	}
	return p.read("Enter passphrase for " + promptSubject(req) + ": ")
}

func (p *passphrases) promptNew(req vault.PassphraseRequest) ([]byte, error) {
	if req.Role == "root" && !p.warnedRoot {
		p.warnedRoot = true
		fmt.Fprint(p.out, rootWarning)
	}
	return p.askNew("new "+promptSubject(req), req)
}

// secret is a secret asked for once, never checked against a policy (an
// archive's passphrase, a token's PIN): from the first variable of vars
// that is set, else typed at the terminal after "Enter <subject>: ". what
// names it in the error when there is neither ("PIN").
func (p *passphrases) secret(vars []string, what, subject string) ([]byte, error) {
	if name, ok := p.fromEnv(vars); ok {
		return []byte(p.getenv(name)), nil
	}
	if p.term == nil {
		return nil, &noPassphraseError{vars: vars, what: what}
	}
	return p.read("Enter " + subject + ": ")
}

// newSecret is a new passphrase held to the policy for req's role: from the
// first variable of vars that is set, else typed twice at the terminal.
func (p *passphrases) newSecret(vars []string, subject string, req vault.PassphraseRequest) ([]byte, error) {
	if name, ok := p.fromEnv(vars); ok {
		pass := []byte(p.getenv(name))
		if err := p.checkNew(req, pass, name); err != nil {
			zero(pass)
			return nil, err
		}
		return pass, nil
	}
	if p.term == nil {
		return nil, &noPassphraseError{vars: vars}
	}
	return p.askNew(subject, req)
}

// askNew asks for a new passphrase for subject ("new root key with ID
// 3e3e69b") and its repetition, up to maxAttempts times: at least
// minPassphraseLen characters, held to the policy, typed the same twice.
func (p *passphrases) askNew(subject string, req vault.PassphraseRequest) ([]byte, error) {
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		first, err := p.read("Enter passphrase for " + subject + ": ")
		if err != nil {
			return nil, err
		}
		if len(first) < minPassphraseLen {
			zero(first)
			fmt.Fprintln(p.out, "Passphrase is too short. Please use at least 8 characters, ideally a random passphrase from a password manager.")
			continue
		}
		if err := p.checkNew(req, first, ""); err != nil {
			zero(first)
			fmt.Fprintln(p.out, typedRefusal(err))
			continue
		}
		second, err := p.read("Repeat passphrase for " + subject + ": ")
		if err != nil {
			zero(first)
			return nil, err
		}
		same := bytes.Equal(first, second)
		zero(second)
		if same {
			return first, nil
		}
		zero(first)
		fmt.Fprintln(p.out, "Passphrases do not match. Please retry.")
	}
	return nil, fmt.Errorf("no passphrase chosen after %d attempts: %w", maxAttempts, vault.ErrAborted)
}

const rootWarning = `You are about to choose the passphrase of a new root key. The root key is the
most sensitive key of a repository: whoever holds it and its passphrase can
replace every other key. Choose a long random passphrase, keep it in a password
manager, and keep a backup of the key file. A lost root key cannot be recovered.
`

// read prompts and reads one passphrase with surrounding white space trimmed,
// as notary's prompt does (so a passphrase typed with a trailing space works
// in both). End of input means the person cancelled.
func (p *passphrases) read(prompt string) ([]byte, error) {
	fmt.Fprint(p.out, prompt)
	raw, err := p.term.ReadPassword()
	fmt.Fprintln(p.out)
	if err != nil {
		zero(raw)
		if errors.Is(err, io.EOF) {
			return nil, vault.ErrAborted
		}
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	trimmed := bytes.TrimSpace(raw)
	pass := make([]byte, len(trimmed))
	copy(pass, trimmed)
	zero(raw)
	return pass, nil
}

// promptSubject names the key in a prompt as notary does:
// "<role> key with ID <id7>".
func promptSubject(req vault.PassphraseRequest) string {
	role := req.Role
	if role == "" {
		role = "encrypted"
	}
	switch {
	case req.KeyID != "":
		return fmt.Sprintf("%s key with ID %s", role, vault.ShortID(req.KeyID))
	case req.Source != "":
		return fmt.Sprintf("%s key in %s", role, req.Source)
	default:
		return role + " key"
	}
}

// orList joins names as "A or B or C".
func orList(names []string) string { return strings.Join(names, " or ") }

// zero overwrites a secret.
func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
