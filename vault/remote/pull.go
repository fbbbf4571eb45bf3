package remote

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/trustvault/trustvault/vault/internal/atomicfile"
	"github.com/trustvault/trustvault/vault/internal/fsread"
	"github.com/trustvault/trustvault/vault/tuf"
)

// MaxRootChain bounds how many root versions one pull walks.
const MaxRootChain = 1000

// Options say where a repository's trust data is and how to reach it.
type Options struct {
	GUN string
	// Server is the notary server's URL (--server,
	// DOCKER_CONTENT_TRUST_SERVER); empty: the notary config's
	// remote_server.url.
	Server string
	// TrustDir holds the cache (tuf/<gun>/metadata); empty: the notary
	// config's trust_dir.
	TrustDir string
	// CAFile is a PEM file of CAs to trust the server by (--tlscacert);
	// empty: the notary config's root_ca, else the system's roots.
	CAFile string
	// NotaryConfig is the notary CLI's config file (-c), if one is given.
	NotaryConfig string
	// DockerConfig is the directory of docker's config.json, for registry
	// credentials ("" : none are looked up).
	DockerConfig string
	// Credentials, when set, are used instead of config.json's.
	Credentials *Credentials
	// Pinning, when set, replaces the notary config's trust_pinning.
	Pinning *tuf.TrustPinning
	// At is when expiry is checked (zero: now).
	At time.Time
	// Timeout bounds each request (zero: 30 s).
	Timeout time.Duration
	// HelperEnv is the environment of credential helpers (nil: this
	// process's).
	HelperEnv []string
}

// settings are Options resolved against the config files.
type settings struct {
	gun      string
	server   *url.URL
	trustDir string
	caPEM    []byte
	pin      tuf.TrustPinning
	opts     Options
	at       time.Time
}

// resolve fills in Options from the notary config. needServer is false
// for offline work.
func (o Options) resolve(needServer bool) (*settings, error) {
	if err := ValidGUN(o.GUN); err != nil {
		return nil, err
	}
	s := &settings{gun: o.GUN, trustDir: o.TrustDir, opts: o, at: o.At}
	if s.at.IsZero() {
		s.at = time.Now()
	}
	server, caFile := o.Server, o.CAFile
	if o.NotaryConfig != "" {
		nc, err := LoadNotaryConfig(o.NotaryConfig)
		if err != nil {
			return nil, err
		}
		s.pin = nc.Pinning
		if s.trustDir == "" {
			s.trustDir = nc.TrustDir
		}
		if server == "" {
			server = nc.Server
		}
		if caFile == "" {
			caFile = nc.RootCA
		}
	}
	if o.Pinning != nil {
		s.pin = *o.Pinning
	}
	if s.trustDir == "" {
		return nil, errors.New("no trust directory: give one, or trust_dir in the notary config")
	}
	if !needServer {
		return s, nil
	}
	if server == "" {
		return nil, errors.New("no notary server: give --server URL (or DOCKER_CONTENT_TRUST_SERVER), or remote_server.url in the notary config")
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("notary server %.120q is not an https:// URL", server)
	}
	s.server = u
	if caFile != "" {
		if s.caPEM, err = fsread.File(caFile, MaxConfigSize); err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
	}
	return s, nil
}

// newClient builds the HTTP client and finds the credentials.
func (s *settings) newClient(ctx context.Context, offline string) (*client, error) {
	timeout := s.opts.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	hc, err := newHTTPClient(s.caPEM, timeout)
	if err != nil {
		return nil, fmt.Errorf("CA file %s: %w", s.opts.CAFile, err)
	}
	creds := s.opts.Credentials
	if creds == nil && s.opts.DockerConfig != "" {
		dc, err := LoadDockerConfig(s.opts.DockerConfig)
		if err != nil {
			return nil, err
		}
		env := s.opts.HelperEnv
		if env == nil {
			env = os.Environ()
		}
		if creds, err = dc.Credentials(ctx, RegistryHost(s.gun), env); err != nil {
			return nil, err
		}
	}
	return &client{base: s.server, gun: s.gun, http: hc, creds: creds, offline: offline}, nil
}

// lock takes the trust directory's write lock (the one the key store
// takes), so that no other trustvault process writes at the same time.
func lock(trustDir string) (func(), error) {
	dir := filepath.Join(trustDir, "trustvault")
	if err := atomicfile.MkdirAll(dir); err != nil {
		return nil, err
	}
	l, err := atomicfile.Acquire(filepath.Join(dir, "lock"), 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; wait for the other trustvault to finish", trustDir, err)
	}
	return func() { _ = l.Unlock() }, nil
}

// Pull fetches a repository's trust data from the server, verifies it
// against the cached copy (or trusts it on first use, or through the
// pinning), and writes it into the cache. Nothing is written unless the
// whole update verified. The Update says what changed.
func Pull(ctx context.Context, o Options) (*Update, error) {
	s, err := o.resolve(true)
	if err != nil {
		return nil, err
	}
	unlock, err := lock(s.trustDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	old, err := ReadCache(s.trustDir, s.gun)
	if err != nil {
		return nil, err
	}
	trusted, warnings, err := LoadCache(s.trustDir, s.gun, s.pin)
	if err != nil {
		return nil, err
	}
	c, err := s.newClient(ctx, offlineText(s.trustDir, s.gun, trusted))
	if err != nil {
		return nil, err
	}
	repo, err := fetchVerified(ctx, c, s, trusted)
	if err != nil {
		return nil, err
	}
	u := diff(trusted, repo)
	u.Server, u.TrustDir, u.Warnings = s.server.String(), s.trustDir, warnings
	u.Written, u.Removed, err = writeCache(s.trustDir, s.gun, repo, old)
	if err != nil {
		return u, fmt.Errorf("pull %s: verified, but the cache was not fully written: %w", s.gun, err)
	}
	return u, nil
}

// fetchVerified downloads and verifies one update, in the order notary's
// client does: the root chain, timestamp, snapshot, targets, delegations.
func fetchVerified(ctx context.Context, c *client, s *settings, trusted *tuf.Repo) (*tuf.Repo, error) {
	v := tuf.NewVerifier(s.gun, trusted, s.pin, s.at)
	if err := fetchRoots(ctx, c, v); err != nil {
		return nil, err
	}
	ts, err := c.get(ctx, "timestamp.json", MaxTimestampSize)
	if err != nil {
		return nil, err
	}
	if _, err := v.Timestamp(ts); err != nil {
		return nil, verifyError(s, "timestamp.json", err)
	}
	for _, role := range []string{"snapshot", "targets"} {
		meta, ok := v.Meta(role)
		if !ok {
			return nil, verifyError(s, role+".json", fmt.Errorf("not recorded: %w", tuf.ErrMissing))
		}
		data, err := c.get(ctx, consistentName(role, meta), MaxResponse(role, meta.Length))
		if err != nil {
			return nil, err
		}
		check := v.Snapshot
		if role == "targets" {
			check = v.Targets
		}
		if err := check(data); err != nil {
			return nil, verifyError(s, role+".json", err)
		}
	}
	for {
		role, meta, ok := v.Next()
		if !ok {
			break
		}
		data, err := c.get(ctx, consistentName(role.Name, meta), MaxResponse(role.Name, meta.Length))
		if err != nil {
			return nil, err
		}
		if err := v.Delegation(role.Name, data); err != nil {
			return nil, verifyError(s, role.Name+".json", err)
		}
	}
	repo, err := v.Finish()
	if err != nil {
		return nil, verifyError(s, "metadata", err)
	}
	return repo, nil
}

// fetchRoots walks the root chain from the trusted version to the server's
// current one.
func fetchRoots(ctx context.Context, c *client, v *tuf.Verifier) error {
	latest, err := c.get(ctx, "root.json", MaxRootSize)
	if err != nil {
		return err
	}
	m, err := tuf.ParseRole("root", latest)
	if err != nil {
		return fmt.Errorf("server's root.json for %s: %w", c.gun, err)
	}
	if cur := v.Root(); cur != nil && m.Version > cur.Version+1 {
		if m.Version-cur.Version > MaxRootChain {
			return fmt.Errorf("server's root.json for %s is version %d, %d after the trusted %d: more than %d rotations", c.gun, m.Version, m.Version-cur.Version, cur.Version, MaxRootChain)
		}
		for n := cur.Version + 1; n < m.Version; n++ {
			data, err := c.get(ctx, fmt.Sprintf("%d.root.json", n), MaxRootSize)
			if err != nil {
				return err
			}
			if err := v.AddRoot(data); err != nil {
				return fmt.Errorf("%s: root version %d from the server: %w", c.gun, n, err)
			}
		}
	}
	if err := v.AddRoot(latest); err != nil {
		return fmt.Errorf("%s: root.json from the server: %w", c.gun, err)
	}
	return nil
}

// consistentName is the by-hash download of a role's file:
// "<role>.<hex sha256>.json" (or sha512), else "<role>.json".
func consistentName(role string, meta tuf.FileMeta) string {
	for _, alg := range []string{"sha256", "sha512"} {
		if h, ok := meta.Hashes[alg]; ok {
			return role + "." + hex.EncodeToString(h) + ".json"
		}
	}
	return role + ".json"
}

// verifyError names the repository and the file that failed.
func verifyError(s *settings, file string, err error) error {
	return fmt.Errorf("%s from %s: %s did not verify, nothing was written to the cache: %w", s.gun, s.server, file, err)
}

// offlineText says what still works without the server.
func offlineText(trustDir, gun string, cached *tuf.Repo) string {
	dir := MetadataDir(trustDir, gun)
	if cached == nil || cached.Timestamp == nil {
		return fmt.Sprintf("nothing verifiable for %s is cached in %s; an archive made earlier still verifies offline", gun, dir)
	}
	return fmt.Sprintf("the cached trust data in %s (timestamp version %d, expires %s) still verifies offline: inspect it offline (with --at once it has expired) and archive it before it is lost",
		dir, cached.Timestamp.Version, cached.Timestamp.Expires.UTC().Format(time.RFC3339))
}

func sortStrings(s []string) { slices.Sort(s) }
