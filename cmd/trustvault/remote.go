package main

// What pull, inspect and archive share: the server flags, the options
// for vault/remote, --at, and the words about freshness and servers that
// are gone.

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/tuf"
)

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
		fl.StringVar(&f.server, "server", "", "notary server `URL` (default $"+remote.EnvTrustServer+", else the config's remote_server.url, else as docker picks it: https://notary.docker.io for Docker Hub, https://REGISTRY otherwise)")
		fl.StringVar(&f.caFile, "tlscacert", "", "trust the server's certificate by the CAs in `FILE` (PEM)")
	}
	fl.StringVarP(&f.config, "config", "c", "", "the notary CLI's config `FILE` (trust_dir, remote_server, trust_pinning)")
}

func (f *serverFlags) addAt(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.at, "at", "", "check expiry as of `DATE` (2026-05-01 or RFC 3339) instead of now: offline only")
}

// remoteSetup resolves the flags, the environment and the notary config
// (when given) into a remote.Setup. Its errors are failures (exit 1)
// except a bad --at, which is a usage error.
func (a *app) remoteSetup(f serverFlags) (*remote.Setup, error) {
	var at time.Time
	if f.at != "" {
		t, err := parseAt(f.at)
		if err != nil {
			return nil, err
		}
		at = t
	}
	rs, err := remote.NewSetup(remote.SetupInput{Server: f.server, CAFile: f.caFile, ConfigFile: f.config,
		TrustDir: a.trustDir, Getenv: a.getenv, Env: remote.EnvList(a.env), At: at})
	if err != nil {
		return nil, fail("", err)
	}
	return rs, nil
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

// freshness says which time the verification used and what that means
// (remote.Freshness, the words the interactive view uses too). source is
// "from https://…", "offline from the cache DIR" or "offline from the
// archive FILE".
func freshness(source string, repo *tuf.Repo, atGiven bool, online bool, now time.Time) string {
	why := ""
	if atGiven {
		why = "--at"
	}
	return remote.Freshness(source, repo, why, online, now)
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
