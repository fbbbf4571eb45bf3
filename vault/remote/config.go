package remote

// The configuration files the ecosystem already has: the notary CLI's
// config file (-c) and docker's config.json with its credential helpers.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/trustvault/trustvault/vault/internal/fsread"
	"github.com/trustvault/trustvault/vault/tuf"
)

// MaxConfigSize bounds the configuration files read.
const MaxConfigSize = 1 << 20

// NotaryConfig is what trustvault uses of the notary CLI's config file.
// Relative paths in the file are relative to the file's directory, and
// "~" is the home directory, as notary reads them; the fields hold them
// resolved.
type NotaryConfig struct {
	TrustDir string
	Server   string // remote_server.url
	RootCA   string // remote_server.root_ca
	Pinning  tuf.TrustPinning
}

type notaryConfigJSON struct {
	TrustDir     string `json:"trust_dir"`
	RemoteServer struct {
		URL    string `json:"url"`
		RootCA string `json:"root_ca"`
	} `json:"remote_server"`
	TrustPinning struct {
		Certs       map[string][]string `json:"certs"`
		CA          map[string]string   `json:"ca"`
		DisableTOFU bool                `json:"disable_tofu"`
	} `json:"trust_pinning"`
}

// LoadNotaryConfig reads a notary CLI config file, and the CA files its
// trust_pinning names.
func LoadNotaryConfig(path string) (*NotaryConfig, error) {
	data, err := fsread.File(path, MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("notary config: %w", err)
	}
	nc, caFiles, err := ParseNotaryConfig(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("notary config %s: %w", path, err)
	}
	for prefix, file := range caFiles {
		pemData, err := fsread.File(file, MaxConfigSize)
		if err != nil {
			return nil, fmt.Errorf("notary config %s: trust_pinning.ca %q: %w", path, prefix, err)
		}
		nc.Pinning.CA[prefix] = pemData
	}
	return nc, nil
}

// ParseNotaryConfig parses a notary CLI config file's content; dir is the
// file's directory. caFiles are the resolved paths of trust_pinning.ca,
// for the caller to read into Pinning.CA.
func ParseNotaryConfig(data []byte, dir string) (nc *NotaryConfig, caFiles map[string]string, err error) {
	var j notaryConfigJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&j); err != nil {
		return nil, nil, fmt.Errorf("not a notary config (JSON): %w", err)
	}
	nc = &NotaryConfig{
		TrustDir: resolvePath(j.TrustDir, dir),
		Server:   strings.TrimSpace(j.RemoteServer.URL),
		RootCA:   resolvePath(j.RemoteServer.RootCA, dir),
		Pinning: tuf.TrustPinning{Certs: j.TrustPinning.Certs, CA: map[string][]byte{},
			DisableTOFU: j.TrustPinning.DisableTOFU},
	}
	caFiles = map[string]string{}
	for prefix, file := range j.TrustPinning.CA {
		if file == "" {
			return nil, nil, fmt.Errorf("trust_pinning.ca %q names no file", prefix)
		}
		caFiles[prefix] = resolvePath(file, dir)
	}
	return nc, caFiles, nil
}

// resolvePath expands "~/" and makes a relative path relative to dir.
func resolvePath(p, dir string) string {
	if p == "" {
		return ""
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p)
}

// Credentials are a registry user name and password (or token).
type Credentials struct {
	Username string
	Password string
}

// DockerConfig is what trustvault uses of docker's config.json.
type DockerConfig struct {
	Auths       map[string]string // registry → base64 "user:password"
	CredsStore  string
	CredHelpers map[string]string // registry → helper name
}

// ParseDockerConfig parses docker's config.json.
func ParseDockerConfig(data []byte) (*DockerConfig, error) {
	var j struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
		CredsStore  string            `json:"credsStore"`
		CredHelpers map[string]string `json:"credHelpers"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("not a docker config.json: %w", err)
	}
	dc := &DockerConfig{Auths: map[string]string{}, CredsStore: j.CredsStore, CredHelpers: j.CredHelpers}
	for host, a := range j.Auths {
		dc.Auths[host] = a.Auth
	}
	for _, name := range append([]string{dc.CredsStore}, mapValues(dc.CredHelpers)...) {
		if name != "" && !helperName().MatchString(name) {
			return nil, fmt.Errorf("credential helper name %.80q is not a plain name", name)
		}
	}
	return dc, nil
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// helperName is compiled when a credential helper is first named, not at
// every command's start.
var helperName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`) })

// LoadDockerConfig reads <dir>/config.json; a missing file is an empty
// config.
func LoadDockerConfig(dir string) (*DockerConfig, error) {
	path := filepath.Join(dir, "config.json")
	data, err := fsread.File(path, MaxConfigSize)
	if errors.Is(err, os.ErrNotExist) {
		return &DockerConfig{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("docker config: %w", err)
	}
	dc, err := ParseDockerConfig(data)
	if err != nil {
		return nil, fmt.Errorf("docker config %s: %w", path, err)
	}
	return dc, nil
}

// RegistryHost is the registry of a GUN, as docker finds it: the first
// path element when it looks like a host (has "." or ":", or is
// "localhost"), else Docker Hub ("docker.io").
func RegistryHost(gun string) string {
	first, _, found := strings.Cut(gun, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

// hubServer is the key docker files Docker Hub's credentials under.
const hubServer = "https://index.docker.io/v1/"

// hostOf reduces a config.json key to its host, as docker's
// ConvertToHostname does.
func hostOf(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	host, _, _ := strings.Cut(key, "/")
	if host == "index.docker.io" || host == "registry-1.docker.io" {
		return "docker.io"
	}
	return host
}

// Credentials finds the credentials for registry host as docker does: a
// credHelpers entry for the host, else the credsStore helper, else auths.
// No credentials is (nil, nil). Helpers run with env as their environment
// (nil: this process's) and a bound on time and output.
func (dc *DockerConfig) Credentials(ctx context.Context, host string, env []string) (*Credentials, error) {
	server := host
	if host == "docker.io" {
		server = hubServer
	}
	for key, helper := range dc.CredHelpers {
		if hostOf(key) == host {
			return runHelper(ctx, helper, server, env)
		}
	}
	if dc.CredsStore != "" {
		return runHelper(ctx, dc.CredsStore, server, env)
	}
	for key, auth := range dc.Auths {
		if hostOf(key) != host || auth == "" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(auth)
		if err != nil {
			return nil, fmt.Errorf("docker config: auths %q: auth is not base64", key)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return nil, fmt.Errorf("docker config: auths %q: auth is not user:password", key)
		}
		return &Credentials{Username: user, Password: pass}, nil
	}
	return nil, nil
}

// helperTimeout bounds one credential helper run.
const helperTimeout = 30 * time.Second

// runHelper runs `docker-credential-<name> get` with the server URL on
// standard input, as docker does.
func runHelper(ctx context.Context, name, server string, env []string) (*Credentials, error) {
	if !helperName().MatchString(name) {
		return nil, fmt.Errorf("credential helper name %.80q is not a plain name", name)
	}
	prog := "docker-credential-" + name
	ctx, cancel := context.WithTimeout(ctx, helperTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, "get")
	cmd.Env = env
	cmd.Stdin = strings.NewReader(server)
	var out, errOut boundedBuffer
	out.max, errOut.max = 64<<10, 4<<10
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	text := strings.TrimSpace(out.String())
	if err != nil {
		if strings.Contains(text, "credentials not found") || strings.Contains(errOut.String(), "credentials not found") {
			return nil, nil
		}
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("credential helper %s is not installed (config.json names it for %s)", prog, server)
		}
		return nil, fmt.Errorf("credential helper %s get %s: %v", prog, server, err)
	}
	if out.over {
		return nil, fmt.Errorf("credential helper %s: answer larger than %d bytes", prog, out.max)
	}
	var j struct{ Username, Secret string }
	if err := json.Unmarshal([]byte(text), &j); err != nil {
		return nil, fmt.Errorf("credential helper %s: answer is not its JSON", prog)
	}
	return &Credentials{Username: j.Username, Password: j.Secret}, nil
}

// boundedBuffer keeps at most max bytes and notes whether more came.
type boundedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
