package main

// What pull, inspect and archive share: the server flags, the options
// for vault/remote, --at, and the words about freshness and servers that
// are gone.

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/tuf"
)

// envTrustServer is docker's variable for the notary server.
const envTrustServer = "DOCKER_CONTENT_TRUST_SERVER"

// Docker Hub's notary service, and the day it stops answering.
const hubNotary = "https://notary.docker.io"

var hubShutdown = time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)

// clock is the time pull, inspect and archive take as now (tests move it
// past an expiry).
var clock = time.Now

// serverFlags are the flags that say how to reach a notary server.
type serverFlags struct {
	server string // --server
	caFile string // --tlscacert
	config string // -c, --config: the notary CLI's config file
	at     string // --at
}

func (f *serverFlags) add(cmd *cobra.Command, withServer bool) {
	fl := cmd.Flags()
	if withServer {
		fl.StringVar(&f.server, "server", "", "notary server `URL` (default $"+envTrustServer+", else the config's remote_server.url, else as docker picks it: https://notary.docker.io for Docker Hub, https://REGISTRY otherwise)")
		fl.StringVar(&f.caFile, "tlscacert", "", "trust the server's certificate by the CAs in `FILE` (PEM)")
	}
	fl.StringVarP(&f.config, "config", "c", "", "the notary CLI's config `FILE` (trust_dir, remote_server, trust_pinning)")
}

func (f *serverFlags) addAt(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.at, "at", "", "check expiry as of `DATE` (2026-05-01 or RFC 3339) instead of now: offline only")
}

// remoteSetup is the resolved configuration of one run.
type remoteSetup struct {
	flags     serverFlags
	nc        *remote.NotaryConfig // nil without -c
	trustDir  string
	dockerDir string
	at        time.Time // zero: now
}

// setup reads the notary config (when given) and resolves the trust
// directory and --at. Its errors are failures (exit 1) except a bad --at,
// which is a usage error.
func (a *app) remoteSetup(f serverFlags) (*remoteSetup, error) {
	rs := &remoteSetup{flags: f}
	if f.at != "" {
		at, err := parseAt(f.at)
		if err != nil {
			return nil, err
		}
		rs.at = at
	}
	if f.config != "" {
		nc, err := remote.LoadNotaryConfig(f.config)
		if err != nil {
			return nil, fail("", err)
		}
		rs.nc = nc
	}
	rs.dockerDir = a.getenv("DOCKER_CONFIG")
	if rs.dockerDir == "" {
		home := a.getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		if home != "" {
			rs.dockerDir = filepath.Join(home, ".docker")
		}
	}
	switch {
	case a.trustDir != "":
		rs.trustDir = a.trustDir
	case rs.nc != nil && rs.nc.TrustDir != "":
		rs.trustDir = rs.nc.TrustDir
	case rs.dockerDir != "":
		rs.trustDir = filepath.Join(rs.dockerDir, "trust")
	default:
		return nil, fail("", errors.New("no trust directory: set --trust-dir, DOCKER_CONFIG or HOME"))
	}
	return rs, nil
}

// server is the notary server for gun: --server, DOCKER_CONTENT_TRUST_SERVER,
// the config's remote_server.url, else docker's choice.
func (a *app) server(rs *remoteSetup, gun string) string {
	switch {
	case rs.flags.server != "":
		return rs.flags.server
	case a.getenv(envTrustServer) != "":
		return a.getenv(envTrustServer)
	case rs.nc != nil && rs.nc.Server != "":
		return rs.nc.Server
	}
	if host := remote.RegistryHost(gun); host != "docker.io" {
		return "https://" + host
	}
	return hubNotary
}

// options are remote.Options for gun.
func (a *app) options(rs *remoteSetup, gun string, online bool) remote.Options {
	o := remote.Options{GUN: gun, TrustDir: rs.trustDir, CAFile: rs.flags.caFile,
		NotaryConfig: rs.flags.config, DockerConfig: rs.dockerDir, At: rs.at, HelperEnv: a.envList()}
	if online {
		o.Server = a.server(rs, gun)
	} else if o.At.IsZero() {
		o.At = clock()
	}
	return o
}

// pinning is the config's trust_pinning (none without -c).
func (rs *remoteSetup) pinning() tuf.TrustPinning {
	if rs.nc == nil {
		return tuf.TrustPinning{}
	}
	return rs.nc.Pinning
}

func (a *app) envList() []string {
	out := make([]string, 0, len(a.env))
	for k, v := range a.env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// parseAt reads --at: a date (midnight UTC) or an RFC 3339 time.
func parseAt(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %.40q is not a date: give 2026-05-01 or 2026-05-01T12:00:00Z", s)
}

// splitName splits "host:port/x/y:tag" into the GUN and the tag.
func splitName(name string) (gun, tag string) {
	slash := strings.LastIndexByte(name, '/')
	if i := strings.LastIndexByte(name, ':'); i > slash {
		return name[:i], name[i+1:]
	}
	return name, ""
}

// checkServer refuses a --server that is not an http(s) URL (a usage
// error).
func checkServer(f serverFlags) error {
	if f.server == "" {
		return nil
	}
	u, err := url.Parse(f.server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--server %.120q is not a URL: give https://HOST[:PORT]", f.server)
	}
	return nil
}

// checkNames validates GUN[:TAG] arguments (a usage error when one is
// not a repository name).
func checkNames(names []string, tags bool) error {
	for _, n := range names {
		gun, tag := splitName(n)
		if !tags && tag != "" {
			return fmt.Errorf("%.80q: give a repository (GUN) without a tag", n)
		}
		if strings.HasSuffix(n, ":") {
			return fmt.Errorf("%.80q: the tag after ':' is empty", n)
		}
		if err := remote.ValidGUN(gun); err != nil {
			return err
		}
	}
	return nil
}

// serverWords adds what a server that is gone for good means, for Docker
// Hub's notary after its shutdown, to a failed request's error.
func serverWords(err error, now time.Time) error {
	var se *remote.ServerError
	if !errors.As(err, &se) || !isHubNotary(se.Server) {
		return err
	}
	if now.Before(hubShutdown) {
		return err
	}
	return fmt.Errorf("Docker Hub's notary service (notary.docker.io) shut down on %s and its trust data can no longer be pulled: %w",
		hubShutdown.Format("2006-01-02"), err)
}

// hubWarning is the warning a pull from Docker Hub's notary gets before
// the shutdown ("" otherwise).
func hubWarning(server string, now time.Time) string {
	if !isHubNotary(server) || !now.Before(hubShutdown) {
		return ""
	}
	return fmt.Sprintf("Docker Hub's notary service stops on %s: archive the trust data you need to prove later (trustvault archive GUN... -o FILE) before then", hubShutdown.Format("2006-01-02"))
}

func isHubNotary(server string) bool {
	u, err := url.Parse(server)
	return err == nil && strings.EqualFold(u.Hostname(), "notary.docker.io")
}

// expiredHint says how to verify metadata that has expired: as of a time
// before its expiry, with --at.
func expiredHint(err error) error {
	var ee *tuf.ExpiredError
	if !errors.As(err, &ee) {
		return err
	}
	before := ee.Expires.Add(-time.Hour).UTC().Format(time.RFC3339)
	return fmt.Errorf("%w; the trust data has expired: the server's word is no longer fresh. To see what was signed while it was, verify it as of an earlier time: --at %s", err, before)
}

// freshness says which time the verification used and what that means.
// source is "from https://…", "offline from the cache DIR" or "offline
// from the archive FILE".
func freshness(source string, repo *tuf.Repo, atGiven bool, online bool, now time.Time) string {
	at := repo.At
	ts := repo.Timestamp
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
	var b strings.Builder
	if !atGiven {
		fmt.Fprintf(&b, "Verified %s at %s (now)", source, stamp(at))
	} else {
		fmt.Fprintf(&b, "Verified %s as of %s (--at), not now (%s)", source, stamp(at), stamp(now))
	}
	if ts == nil {
		return b.String() + "."
	}
	switch {
	case online:
		fmt.Fprintf(&b, "; the server's timestamp (version %d) is fresh until %s.", ts.Version, stamp(ts.Expires))
	case !ts.Expires.After(now):
		fmt.Fprintf(&b, ": the server's word is no longer fresh: its timestamp (version %d) expired %s. This shows what was signed as of %s, not what is signed today.",
			ts.Version, stamp(ts.Expires), stamp(at))
	default:
		fmt.Fprintf(&b, "; the server was not asked: its timestamp (version %d) is fresh until %s, but what it signed after this copy was taken is not shown.",
			ts.Version, stamp(ts.Expires))
	}
	return b.String()
}

// digestPattern is a SHA-256 digest, with or without "sha256:"; compiled
// when first used, not at every command's start.
var digestPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(sha256:)?[0-9a-fA-F]{64}$`) })

// parseDigest reads --digest into lower-case hex.
func parseDigest(s string) (string, error) {
	if !digestPattern().MatchString(s) {
		return "", fmt.Errorf("--digest %.80q is not a SHA-256 digest: give sha256:<64 hex digits>", s)
	}
	return strings.ToLower(strings.TrimPrefix(s, "sha256:")), nil
}
