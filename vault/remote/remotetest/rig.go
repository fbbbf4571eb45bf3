package remotetest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// RequireEnv set (to anything but 0) turns a skip for missing binaries
// into a failure.
const RequireEnv = tools.RequireEnv

// AuthMode is how the server authenticates clients.
type AuthMode int

const (
	// NoAuth serves every request without credentials.
	NoAuth AuthMode = iota
	// TokenAuth is the registry token flow: the server answers 401 with
	// a Bearer challenge naming the rig's token issuer.
	TokenAuth
)

// TrustService is who holds the keys the server manages (timestamp, and
// snapshot when a client hands it over).
type TrustService int

const (
	// RemoteSigner is a real notary-signer over mutual TLS; it makes
	// ECDSA keys, as Docker Hub's notary did.
	RemoteSigner TrustService = iota
	// LocalSigner is notary-server's in-process signer; ED25519 keys only.
	LocalSigner
)

func (s TrustService) String() string {
	if s == LocalSigner {
		return "local"
	}
	return "remote"
}

// Options choose how the rig runs. The zero value is a server without
// authentication backed by a real notary-signer.
type Options struct {
	Auth   AuthMode
	Signer TrustService
	Users  []User // token auth accounts; DefaultUser when empty
	// AnonymousPull lets token auth clients without credentials pull,
	// as a public repository on a registry does.
	AnonymousPull bool
	Caching       bool // keep notary-server's Cache-Control max-age defaults (off: no-cache)
}

// Rig is a running notary-server (and notary-signer) on 127.0.0.1.
type Rig struct {
	URL      string // https://127.0.0.1:PORT, for notary -s and DOCKER_CONTENT_TRUST_SERVER
	Host     string // 127.0.0.1:PORT
	CAFile   string // PEM of the rig's CA; trusts the server and the token issuer
	Dir      string // the rig's files: certificates, configs, logs
	Tools    string // the directory holding notary, notary-server, notary-signer
	Auth     AuthMode
	Signer   TrustService
	Issuer   *Issuer // the token issuer, in TokenAuth mode
	pool     *x509.CertPool
	ca       *authority
	procs    []*proc
	stopOnce sync.Once
}

// proc is one started binary and its log.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// Start runs the rig for one test and stops it when the test ends. It
// skips the test when the binaries are missing (fails under
// TRUSTVAULT_REQUIRE_INTEROP=1) and fails it when they do not start.
func Start(t testing.TB, o Options) *Rig {
	t.Helper()
	bins, err := FindTools("notary-server", "notary-signer", "notary")
	if err != nil {
		if tools.Required() {
			t.Fatalf("notary server rig: %v (%s=1 makes this a failure)", err, RequireEnv)
		}
		t.Skipf("notary server rig: %v", err)
	}
	r := &Rig{Dir: t.TempDir(), Tools: bins, Auth: o.Auth, Signer: o.Signer}
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			r.dumpLogs(t)
		}
	})
	if err := r.start(t, o); err != nil {
		t.Fatalf("notary server rig: %v", err)
	}
	return r
}

func (r *Rig) start(t testing.TB, o Options) error {
	ca, err := newAuthority()
	if err != nil {
		return err
	}
	r.ca = ca
	r.pool = x509.NewCertPool()
	r.pool.AddCert(ca.cert)
	r.CAFile = filepath.Join(r.Dir, "ca.crt")
	if err := writeCert(r.CAFile, ca.der); err != nil {
		return err
	}
	serverLeaf, err := ca.issue("notary-server")
	if err != nil {
		return err
	}
	serverCert, serverKey, err := writeLeaf(r.Dir, "notary-server", serverLeaf)
	if err != nil {
		return err
	}
	cfg := serverConfig{
		Server:  map[string]any{"tls_cert_file": serverCert, "tls_key_file": serverKey},
		Logging: map[string]any{"level": "info"},
		Storage: map[string]any{"backend": "memory"},
		TrustService: map[string]any{
			"type": "local",
		},
	}
	if !o.Caching {
		cfg.Caching = map[string]any{"max_age": map[string]any{"current_metadata": 0, "consistent_metadata": 0}}
	}
	if o.Signer == RemoteSigner {
		addr, err := r.startSigner(ca)
		if err != nil {
			return err
		}
		host, port, _ := net.SplitHostPort(addr)
		cfg.TrustService = map[string]any{
			"type": "remote", "hostname": host, "port": port, "key_algorithm": "ecdsa",
			"tls_ca_file": r.CAFile, "tls_client_cert": serverCert, "tls_client_key": serverKey,
		}
	}
	if o.Auth == TokenAuth {
		if r.Issuer, err = newIssuer(ca, r.Dir, o.Users, o.AnonymousPull); err != nil {
			return err
		}
		cfg.Auth = r.Issuer.serverAuth()
	}
	return r.startServer(cfg)
}

// serverConfig is notary-server's configuration file.
type serverConfig struct {
	Server       map[string]any `json:"server"`
	TrustService map[string]any `json:"trust_service"`
	Logging      map[string]any `json:"logging"`
	Storage      map[string]any `json:"storage"`
	Auth         map[string]any `json:"auth,omitempty"`
	Caching      map[string]any `json:"caching,omitempty"`
}

func (r *Rig) startSigner(ca *authority) (string, error) {
	l, err := ca.issue("notary-signer")
	if err != nil {
		return "", err
	}
	cert, key, err := writeLeaf(r.Dir, "notary-signer", l)
	if err != nil {
		return "", err
	}
	config := func(addr string) any {
		return map[string]any{
			"server": map[string]any{
				"grpc_addr": addr, "tls_cert_file": cert, "tls_key_file": key,
				"client_ca_file": r.CAFile, // mutual TLS: only the rig's server gets in
			},
			"logging": map[string]any{"level": "info"},
			"storage": map[string]any{"backend": "memory"},
		}
	}
	// A client certificate from the same CA, to prove the TLS listener is up.
	probe, err := ca.issue("rig-probe")
	if err != nil {
		return "", err
	}
	tc := &tls.Config{
		RootCAs:      r.pool,
		Certificates: []tls.Certificate{{Certificate: [][]byte{probe.der}, PrivateKey: probe.key}},
		NextProtos:   []string{"h2"},
		ServerName:   "127.0.0.1",
	}
	addr, err := r.startListening("notary-signer", config, func(addr string) error {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, tc)
		if err != nil {
			return err
		}
		return c.Close()
	})
	if err != nil {
		return "", fmt.Errorf("notary-signer did not come up: %w", err)
	}
	return addr, nil
}

func (r *Rig) startServer(cfg serverConfig) error {
	client := r.HTTPClient()
	config := func(addr string) any {
		cfg.Server["http_addr"] = addr
		return cfg
	}
	addr, err := r.startListening("notary-server", config, func(addr string) error {
		resp, err := client.Get("https://" + addr + "/_notary_server/health")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("health: %s %s", resp.Status, bytes.TrimSpace(body))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("notary-server did not come up: %w", err)
	}
	r.Host = addr
	r.URL = "https://" + addr
	return nil
}

// startListening starts name on a free port of 127.0.0.1 and waits until
// ready says it serves. A port taken between the pick and the bind
// ("address already in use") is tried again with another, twice at most.
func (r *Rig) startListening(name string, config func(addr string) any, ready func(addr string) error) (string, error) {
	return r.listen(name, func(addr string) (*proc, error) { return r.run(name, config(addr)) }, ready)
}

// listen is startListening with the process started by launch.
func (r *Rig) listen(name string, launch func(addr string) (*proc, error), ready func(addr string) error) (string, error) {
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return "", err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p, err := launch(addr)
		if err != nil {
			return "", err
		}
		err = waitFor(p, 30*time.Second, func() error { return ready(addr) })
		if err == nil {
			return addr, nil
		}
		if attempt < 3 && p.exited() && logHas(p.log, "address already in use") {
			continue
		}
		return "", fmt.Errorf("%s: %w", addr, err)
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func logHas(path, s string) bool {
	data, err := readTail(path, 16<<10)
	return err == nil && bytes.Contains(data, []byte(s))
}

// run writes name's config to the rig directory and starts the binary with
// its log in name.log.
func (r *Rig) run(name string, cfg any) (*proc, error) {
	cfgFile, err := r.writeConfig(name, cfg)
	if err != nil {
		return nil, err
	}
	return r.start1(name, filepath.Join(r.Tools, name), "-config", cfgFile)
}

// writeConfig writes name's config as JSON (which YAML readers take too).
func (r *Rig) writeConfig(name string, cfg any) (string, error) {
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "", err
	}
	cfgFile := filepath.Join(r.Dir, name+".json")
	return cfgFile, os.WriteFile(cfgFile, data, 0o600)
}

// start1 starts one program of the rig with its output in name.log.
func (r *Rig) start1(name, bin string, args ...string) (*proc, error) {
	logFile := filepath.Join(r.Dir, name+".log")
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = r.Dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = cleanEnv(nil)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	r.procs = append(r.procs, p)
	return p, nil
}

// waitFor polls check until it succeeds, the process exits, or the time
// is up.
func waitFor(p *proc, limit time.Duration, check func() error) error {
	deadline := time.Now().Add(limit)
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v); see %s", p.name, p.err, p.log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", limit, err)
		}
	}
}

// Stop ends the server and the signer (SIGTERM, then SIGKILL after five
// seconds). Tests call it to see what a client does when the server is
// gone; the rig calls it when the test ends. Safe to call twice.
func (r *Rig) Stop() {
	r.stopOnce.Do(func() {
		for i := len(r.procs) - 1; i >= 0; i-- {
			p := r.procs[i]
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
		}
		if r.Issuer != nil {
			r.Issuer.close()
		}
	})
}

// ServerLog is the path of notary-server's log.
func (r *Rig) ServerLog() string { return filepath.Join(r.Dir, "notary-server.log") }

// dumpLogs prints the end of each log (16 KiB at most each).
func (r *Rig) dumpLogs(t testing.TB) {
	for _, p := range r.procs {
		data, err := readTail(p.log, 16<<10)
		if err != nil {
			t.Logf("%s log: %v", p.name, err)
			continue
		}
		t.Logf("---- %s log (%s) ----\n%s", p.name, p.log, data)
	}
}

func readTail(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		if _, err := f.Seek(st.Size()-max, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(io.LimitReader(f, max))
}

// HTTPClient trusts the rig's CA only; for raw requests to the server and
// the token issuer.
func (r *Rig) HTTPClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: r.pool},
			DisableKeepAlives: true,
		},
	}
}

// CertPool holds the rig's CA.
func (r *Rig) CertPool() *x509.CertPool { return r.pool }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FindTools returns the directory holding all the named binaries: the
// repository's .tools/bin (where .ci/setup puts them), else the
// directory of the first on PATH.
func FindTools(names ...string) (string, error) {
	var tried []string
	if root, err := moduleRoot(); err == nil {
		dir := filepath.Join(root, ".tools", "bin")
		if haveAll(dir, names) {
			return dir, nil
		}
		tried = append(tried, dir)
	}
	if p, err := exec.LookPath(names[0]); err == nil {
		dir := filepath.Dir(p)
		if haveAll(dir, names) {
			return dir, nil
		}
		tried = append(tried, dir)
	}
	return "", fmt.Errorf("%s not found (looked in %s and PATH); run .ci/setup test",
		strings.Join(names, ", "), strings.Join(tried, ", "))
}

func haveAll(dir string, names []string) bool {
	for _, n := range names {
		st, err := os.Stat(filepath.Join(dir, n))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// moduleRoot is the nearest directory above the working directory with a
// go.mod (go test runs in the package directory).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// cleanEnv is the process environment without the variables that steer
// notary and docker (NOTARY_*, DOCKER_*), plus extra.
func cleanEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "NOTARY_") || strings.HasPrefix(kv, "DOCKER_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
