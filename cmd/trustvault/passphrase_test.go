package main

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
)

func TestPassphraseVars(t *testing.T) {
	const (
		nRoot = "NOTARY_ROOT_PASSPHRASE"
		nTgt  = "NOTARY_TARGETS_PASSPHRASE"
		nSnap = "NOTARY_SNAPSHOT_PASSPHRASE"
		nDel  = "NOTARY_DELEGATION_PASSPHRASE"
		dRoot = "DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE"
		dRepo = "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE"
	)
	for _, tc := range []struct {
		role string
		want []string
	}{
		{"root", []string{nRoot, dRoot}},
		{"targets", []string{nTgt, dRepo}},
		{"snapshot", []string{nSnap, dRepo}},
		{"timestamp", []string{dRepo}},
		{"targets/releases", []string{nDel, dRepo}},
		{"alice", []string{nDel, dRepo}},
		{"delegation", []string{nDel, dRepo}},
		{"", []string{nDel, dRepo}},
		{"Root", []string{nDel, dRepo}}, // roles are case-sensitive, as in notary
	} {
		t.Run(tc.role, func(t *testing.T) {
			if got := passphraseVars(tc.role); !slices.Equal(got, tc.want) {
				t.Errorf("passphraseVars(%q) = %v, want %v", tc.role, got, tc.want)
			}
		})
	}
}

// fakeTerminal answers ReadPassword from a script, then io.EOF.
type fakeTerminal struct{ answers []string }

func (f *fakeTerminal) ReadPassword() ([]byte, error) {
	if len(f.answers) == 0 {
		return nil, io.EOF
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return []byte(a), nil
}

func TestPassphraseFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		req     vault.PassphraseRequest
		passwd  bool // ask as passwd asks for the new passphrase
		want    string
		wantErr string
		is      error
	}{
		{
			name: "notary per-role variable first",
			env:  map[string]string{"NOTARY_TARGETS_PASSPHRASE": "notary", "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE": "docker"},
			req:  vault.PassphraseRequest{Role: "targets", Attempt: 1},
			want: "notary",
		},
		{
			name: "docker variable when notary's is empty",
			env:  map[string]string{"NOTARY_TARGETS_PASSPHRASE": "", "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE": "docker"},
			req:  vault.PassphraseRequest{Role: "targets", Attempt: 1},
			want: "docker",
		},
		{
			name:    "root ignores the repository variable",
			env:     map[string]string{"DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE": "docker"},
			req:     vault.PassphraseRequest{KeyID: strings.Repeat("ab", 32), Role: "root", Attempt: 1},
			wantErr: "no passphrase: set NOTARY_ROOT_PASSPHRASE or DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE, or run in a terminal to be asked",
		},
		{
			name: "docker root variable",
			env:  map[string]string{"DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE": "dockerroot"},
			req:  vault.PassphraseRequest{Role: "root", Attempt: 1},
			want: "dockerroot",
		},
		{
			name: "signer name uses notary's delegation variable",
			env:  map[string]string{"NOTARY_DELEGATION_PASSPHRASE": "deleg"},
			req:  vault.PassphraseRequest{Role: "alice", Attempt: 1},
			want: "deleg",
		},
		{
			name: "new key passphrases come from the same variables",
			env:  map[string]string{"NOTARY_SNAPSHOT_PASSPHRASE": "snap"},
			req:  vault.PassphraseRequest{Role: "snapshot", New: true, Attempt: 1},
			want: "snap",
		},
		{
			name: "short passphrases from variables are taken as they are",
			env:  map[string]string{"NOTARY_ROOT_PASSPHRASE": " abc "},
			req:  vault.PassphraseRequest{Role: "root", New: true, Attempt: 1},
			want: " abc ",
		},
		{
			name:    "a second attempt with a variable gives up",
			env:     map[string]string{"NOTARY_ROOT_PASSPHRASE": "wrong"},
			req:     vault.PassphraseRequest{Role: "root", Attempt: 2},
			wantErr: "wrong passphrase in NOTARY_ROOT_PASSPHRASE",
			is:      vault.ErrWrongPassphrase,
		},
		{
			name:   "passwd: the new passphrase comes from its own variable",
			env:    map[string]string{"NOTARY_ROOT_PASSPHRASE": "old", "TRUSTVAULT_NEW_PASSPHRASE": "new"},
			req:    vault.PassphraseRequest{Role: "root", New: true, Attempt: 1},
			passwd: true,
			want:   "new",
		},
		{
			name:    "passwd: never the role's variable",
			env:     map[string]string{"NOTARY_ROOT_PASSPHRASE": "old"},
			req:     vault.PassphraseRequest{Role: "root", New: true, Attempt: 1},
			passwd:  true,
			wantErr: "no passphrase: set TRUSTVAULT_NEW_PASSPHRASE, or run in a terminal to be asked",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &passphrases{getenv: func(k string) string { return tc.env[k] }, out: io.Discard}
			f := p.get
			if tc.passwd {
				f = p.newFromVar
			}
			got, err := f(tc.req)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("err = %v, want it to wrap %v", err, tc.is)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestPassphrasePrompt(t *testing.T) {
	const id = "3cc0f1a66c3cae111b418aa48e3a71bdb0d8a64f7c74dad053032eb44bbbd1f3"
	for _, tc := range []struct {
		name    string
		answers []string
		reqs    []vault.PassphraseRequest // asked in turn; the last answer is checked
		want    string
		is      error
		out     []string // substrings of the prompt output, in order
		notOut  []string
	}{
		{
			name:    "existing key",
			answers: []string{"  Secret-pass-1 \n"},
			reqs:    []vault.PassphraseRequest{{KeyID: id, Role: "alice", Attempt: 1}},
			want:    "Secret-pass-1",
			out:     []string{"Enter passphrase for alice key with ID 3cc0f1a: "},
			notOut:  []string{"Secret-pass-1"},
		},
		{
			name:    "retry after a wrong passphrase",
			answers: []string{"wrong", "right-passphrase"},
			reqs:    []vault.PassphraseRequest{{KeyID: id, Role: "root", Attempt: 1}, {KeyID: id, Role: "root", Attempt: 2}},
			want:    "right-passphrase",
			out:     []string{"Enter passphrase for root key with ID 3cc0f1a: ", "Passphrase incorrect. Please retry.", "Enter passphrase for root key"},
		},
		{
			name:    "give up after four attempts",
			answers: []string{"a", "b", "c", "d", "e"},
			reqs: []vault.PassphraseRequest{
				{KeyID: id, Role: "root", Attempt: 1}, {KeyID: id, Role: "root", Attempt: 2},
				{KeyID: id, Role: "root", Attempt: 3}, {KeyID: id, Role: "root", Attempt: 4},
				{KeyID: id, Role: "root", Attempt: 5},
			},
			is: vault.ErrWrongPassphrase,
		},
		{
			name:    "unknown key in an imported file",
			answers: []string{"x"},
			reqs:    []vault.PassphraseRequest{{Source: "bundle.pem", Attempt: 1}},
			want:    "x",
			out:     []string{"Enter passphrase for encrypted key in bundle.pem: "},
		},
		{
			name:    "new key, confirmed",
			answers: []string{"Long-passphrase-1", "Long-passphrase-1"},
			reqs:    []vault.PassphraseRequest{{KeyID: id, Role: "targets", New: true, Attempt: 1}},
			want:    "Long-passphrase-1",
			out:     []string{"Enter passphrase for new targets key with ID 3cc0f1a: ", "Repeat passphrase for new targets key with ID 3cc0f1a: "},
			notOut:  []string{"root key is"},
		},
		{
			name:    "new key, mismatch then too short then confirmed",
			answers: []string{"Long-passphrase-1", "Long-passphrase-2", "short", "Long-passphrase-3", "Long-passphrase-3"},
			reqs:    []vault.PassphraseRequest{{KeyID: id, Role: "alice", New: true, Attempt: 1}},
			want:    "Long-passphrase-3",
			out:     []string{"Passphrases do not match. Please retry.", "Passphrase is too short."},
		},
		{
			name:    "new root key: a warning first",
			answers: []string{"Long-passphrase-1", "Long-passphrase-1"},
			reqs:    []vault.PassphraseRequest{{KeyID: id, Role: "root", New: true, Attempt: 1}},
			want:    "Long-passphrase-1",
			out:     []string{"A lost root key cannot be recovered.", "Enter passphrase for new root key with ID 3cc0f1a: "},
		},
		{
			name:    "new key, never confirmed",
			answers: []string{"Long-passphrase-1", "x1234567", "Long-passphrase-1", "x1234567", "Long-passphrase-1", "x1234567", "Long-passphrase-1", "x1234567"},
			reqs:    []vault.PassphraseRequest{{KeyID: id, Role: "alice", New: true, Attempt: 1}},
			is:      vault.ErrAborted,
		},
		{
			name:    "end of input cancels",
			answers: nil,
			reqs:    []vault.PassphraseRequest{{KeyID: id, Role: "alice", Attempt: 1}},
			is:      vault.ErrAborted,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &passphrases{getenv: func(string) string { return "" }, term: &fakeTerminal{answers: tc.answers}, out: &out}
			var got []byte
			var err error
			for _, req := range tc.reqs {
				got, err = p.get(req)
				if err != nil {
					break
				}
			}
			wantPassphrase(t, got, err, tc.want, tc.is)
			wantInOrder(t, out.String(), tc.out)
			for _, s := range tc.notOut {
				if strings.Contains(out.String(), s) {
					t.Errorf("output contains %q:\n%s", s, out.String())
				}
			}
		})
	}
}

// TestExitStatus checks the three exit statuses and that a failure is one
// line on stderr.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"help", nil, exitOK},
		{"empty list", []string{"--trust-dir", dir, "list"}, exitOK},
		{"unknown command", []string{"frobnicate"}, exitUsage},
		{"unknown flag", []string{"list", "--frob"}, exitUsage},
		{"missing argument", []string{"passwd"}, exitUsage},
		{"missing required flag", []string{"generate"}, exitUsage},
		{"unknown key", []string{"--trust-dir", dir, "passwd", "abcdef0123"}, exitFailure},
		{"no passphrase", []string{"--trust-dir", dir, "generate", "--role", "root"}, exitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(tc.args, strings.NewReader(""), &stdout, &stderr, nil)
			if got != tc.want {
				t.Fatalf("run(%q) = %d, want %d; stderr:\n%s", tc.args, got, tc.want, stderr.String())
			}
			if got == exitFailure {
				if lines := strings.Count(stderr.String(), "\n"); lines != 1 || !strings.HasPrefix(stderr.String(), "trustvault: ") {
					t.Errorf("stderr should be one line starting with \"trustvault: \", got:\n%s", stderr.String())
				}
			}
		})
	}
}

// wantPassphrase fails the test unless a prompt gave want, or failed with
// an error that is is (when is is not nil).
func wantPassphrase(t *testing.T, got []byte, err error, want string, is error) {
	t.Helper()
	if is != nil {
		if !errors.Is(err, is) {
			t.Fatalf("err = %v, want %v", err, is)
		}
	} else if err != nil || string(got) != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
}

// wantInOrder fails the test unless out holds each of parts, in order.
func wantInOrder(t *testing.T, out string, parts []string) {
	t.Helper()
	rest := out
	for _, s := range parts {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("output lacks %q (in order); output:\n%s", s, out)
		}
		rest = rest[i+len(s):]
	}
}
