package remotetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Passphrases the notary CLI is given through NOTARY_*_PASSPHRASE. They
// guard throw-away test keys only.
const (
	RootPassphrase       = "rig-root-passphrase"
	TargetsPassphrase    = "rig-targets-passphrase"
	SnapshotPassphrase   = "rig-snapshot-passphrase"
	DelegationPassphrase = "rig-delegation-passphrase"
)

// commandTimeout bounds one notary or docker CLI run.
const commandTimeout = 2 * time.Minute

// Notary runs the real notary CLI v0.7.0 against the rig, with one trust
// directory and its own config file (-c), so that nothing of the user's
// ~/.notary or environment leaks in.
type Notary struct {
	rig        *Rig
	t          testing.TB
	URL        string // the server (-s): Rig.URL, or a Proxy's URL
	TrustDir   string
	ConfigFile string
	Home       string   // HOME for the CLI
	Env        []string // extra environment, e.g. NOTARY_AUTH from Login
}

// NewNotary is a notary CLI with a new, empty trust directory.
func (r *Rig) NewNotary(t testing.TB) *Notary {
	t.Helper()
	return r.NotaryAt(t, filepath.Join(t.TempDir(), "trust"))
}

// NotaryAt is a notary CLI on the given trust directory (made if missing).
func (r *Rig) NotaryAt(t testing.TB, trustDir string) *Notary {
	t.Helper()
	home := t.TempDir()
	if err := os.MkdirAll(trustDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{
		"trust_dir":     trustDir,
		"remote_server": map[string]any{"url": r.URL, "root_ca": r.CAFile},
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(home, "notary-config.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return &Notary{rig: r, t: t, URL: r.URL, TrustDir: trustDir, ConfigFile: file, Home: home}
}

// Login makes the CLI answer the server's credential challenge with these
// credentials (NOTARY_AUTH, base64 of user:password).
func (n *Notary) Login(user, password string) {
	n.Env = append(n.Env, "NOTARY_AUTH="+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
}

// Try runs `notary -c CONFIG -s URL -d TRUSTDIR --tlscacert CA ARGS...`
// with the rig's passphrases and no standard input, and returns its
// combined output.
func (n *Notary) Try(args ...string) (string, error) {
	return n.TryInput("", args...)
}

// TryInput is Try with stdin as the standard input (for the questions
// notary asks, such as the "yes" a root rotation wants).
func (n *Notary) TryInput(stdin string, args ...string) (string, error) {
	full := append([]string{"-c", n.ConfigFile, "-s", n.URL, "-d", n.TrustDir,
		"--tlscacert", n.rig.CAFile}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(n.rig.Tools, "notary"), full...)
	cmd.Env = cleanEnv(append([]string{
		"HOME=" + n.Home,
		"NOTARY_ROOT_PASSPHRASE=" + RootPassphrase,
		"NOTARY_TARGETS_PASSPHRASE=" + TargetsPassphrase,
		"NOTARY_SNAPSHOT_PASSPHRASE=" + SnapshotPassphrase,
		"NOTARY_DELEGATION_PASSPHRASE=" + DelegationPassphrase,
	}, n.Env...))
	var out bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("notary %s: timed out after %s", strings.Join(args, " "), commandTimeout)
	}
	return out.String(), err
}

// Run is Try that fails the test on error.
func (n *Notary) Run(args ...string) string {
	n.t.Helper()
	return n.RunInput("", args...)
}

// RunInput is TryInput that fails the test on error.
func (n *Notary) RunInput(stdin string, args ...string) string {
	n.t.Helper()
	out, err := n.TryInput(stdin, args...)
	if err != nil {
		n.t.Fatalf("notary %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// Init creates the repository and publishes it: root and targets keys in
// the trust directory, snapshot key local (as notary init does), timestamp
// key on the server.
func (n *Notary) Init(gun string) {
	n.t.Helper()
	n.Run("init", gun, "--publish")
}

// Target is a signed tag as the tests expect to see it.
type Target struct {
	Name   string
	SHA256 string // hex
	Size   int64
	Role   string
}

// AddTag signs a target named tag whose content is content into the given
// roles (none: targets) and publishes. The returned Target names the first
// role.
func (n *Notary) AddTag(gun, tag string, content []byte, roles ...string) Target {
	n.t.Helper()
	file := filepath.Join(n.Home, "target-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.WriteFile(file, content, 0o600); err != nil {
		n.t.Fatal(err)
	}
	args := []string{"add", gun, tag, file, "--publish"}
	role := "targets"
	if len(roles) > 0 && roles[0] != "" && roles[0] != "targets" {
		args = append(args, "--roles", strings.Join(roles, ","))
		role = roles[0]
	}
	n.Run(args...)
	sum := sha256.Sum256(content)
	return Target{Name: tag, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content)), Role: role}
}

// AddDelegation imports the key's private part (encrypted with
// DelegationPassphrase) and publishes role with its certificate; paths
// nil means all paths.
func (n *Notary) AddDelegation(gun, role string, key *DelegationKey, paths []string) {
	n.t.Helper()
	n.Run("key", "import", key.KeyFile, "--role", role)
	args := []string{"delegation", "add", gun, role, key.CertFile, "--publish"}
	if paths == nil {
		args = append(args, "--all-paths")
	} else {
		args = append(args, "--paths", strings.Join(paths, ","))
	}
	n.Run(args...)
}

// Rotate rotates role's key (`notary key rotate GUN ROLE`); serverManaged
// hands snapshot or timestamp to the server (-r). Rotations publish. A
// root rotation is confirmed with "yes" (notary asks) and is signed by the
// old and the new root key.
func (n *Notary) Rotate(gun, role string, serverManaged bool) {
	n.t.Helper()
	args := []string{"key", "rotate", gun, role}
	if serverManaged {
		args = append(args, "--server-managed")
	}
	out := n.RunInput("yes\n", args...)
	if !strings.Contains(out, "Successfully rotated") {
		n.t.Fatalf("notary %s: no rotation:\n%s", strings.Join(args, " "), out)
	}
}

// DeleteRemote deletes the repository's trust data on the server and in
// this trust directory's cache.
func (n *Notary) DeleteRemote(gun string) {
	n.t.Helper()
	n.Run("delete", gun, "--remote")
}

// List runs `notary list GUN [--roles ROLE]` and parses its table.
func (n *Notary) List(gun, role string) []Target {
	n.t.Helper()
	args := []string{"list", gun}
	if role != "" {
		args = append(args, "--roles", role)
	}
	targets, err := ParseList(n.Run(args...))
	if err != nil {
		n.t.Fatal(err)
	}
	return targets
}

// ParseList reads the table `notary list` prints:
//
//	NAME    DIGEST    SIZE (BYTES)    ROLE
//	----    ------    ------------    ----
//	v1      <hex>     12              targets/releases
//
// Lines before the header (warnings) are skipped. "No targets present in
// this repository." is an empty list.
func ParseList(out string) ([]Target, error) {
	if strings.Contains(out, "No targets present in this repository.") {
		return nil, nil
	}
	var targets []Target
	header := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case !header:
			header = len(f) >= 2 && f[0] == "NAME" && f[1] == "DIGEST"
		case strings.HasPrefix(f[0], "---"):
		case len(f) == 4:
			size, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("notary list: size %q in %q", f[2], line)
			}
			targets = append(targets, Target{Name: f[0], SHA256: f[1], Size: size, Role: f[3]})
		default:
			return nil, fmt.Errorf("notary list: unexpected line %q", line)
		}
	}
	if !header {
		return nil, fmt.Errorf("notary list: no table in output:\n%s", out)
	}
	return targets, nil
}

// KeyIDs runs `notary key list` and returns the key IDs by role, as the
// CLI prints them (canonical IDs of the private keys in the trust
// directory; for root that is not the certificate key ID root.json uses).
func (n *Notary) KeyIDs() map[string][]string {
	n.t.Helper()
	ids := map[string][]string{}
	for _, line := range strings.Split(n.Run("key", "list"), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] == "ROLE" || strings.HasPrefix(f[0], "---") {
			continue
		}
		id := f[len(f)-2] // ROLE [GUN] KEYID LOCATION
		if len(id) == 64 {
			ids[f[0]] = append(ids[f[0]], id)
		}
	}
	return ids
}
