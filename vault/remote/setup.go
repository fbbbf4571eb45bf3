package remote

// How one run reaches notary servers: the server, the trust directory and
// docker's config directory, resolved from flags, the environment and the
// notary CLI's config file the way docker and notary resolve them. The CLI
// and the interactive view both start here, so they pick the same server.

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault/tuf"
)

// EnvTrustServer is docker's variable for the notary server.
const EnvTrustServer = "DOCKER_CONTENT_TRUST_SERVER"

// HubNotary is Docker Hub's notary service.
const HubNotary = "https://notary.docker.io"

// HubShutdown is the day Docker Hub's notary service stops answering.
var HubShutdown = time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)

// SetupInput is what a person gave: flags and the environment.
type SetupInput struct {
	Server     string // --server ("" when not given)
	CAFile     string // --tlscacert
	ConfigFile string // -c: the notary CLI's config file
	TrustDir   string // --trust-dir ("" when not given)
	// Getenv looks up the environment (DOCKER_CONFIG, HOME,
	// DOCKER_CONTENT_TRUST_SERVER); nil: nothing is set.
	Getenv func(string) string
	// Env is the environment credential helpers run with (nil: this
	// process's).
	Env []string
	// At is when expiry is checked (zero: now).
	At time.Time
}

// Setup is the resolved configuration of one run.
type Setup struct {
	in        SetupInput
	Config    *NotaryConfig // nil without a config file
	TrustDir  string
	DockerDir string
	At        time.Time
}

// NewSetup reads the notary config (when given) and resolves the trust
// directory: --trust-dir, the config's trust_dir, else $DOCKER_CONFIG/trust
// or ~/.docker/trust.
func NewSetup(in SetupInput) (*Setup, error) {
	if in.Getenv == nil {
		in.Getenv = func(string) string { return "" }
	}
	s := &Setup{in: in, At: in.At}
	if in.ConfigFile != "" {
		nc, err := LoadNotaryConfig(in.ConfigFile)
		if err != nil {
			return nil, err
		}
		s.Config = nc
	}
	s.DockerDir = in.Getenv("DOCKER_CONFIG")
	if s.DockerDir == "" {
		if home := in.Getenv("HOME"); home != "" {
			s.DockerDir = filepath.Join(home, ".docker")
		}
	}
	switch {
	case in.TrustDir != "":
		s.TrustDir = in.TrustDir
	case s.Config != nil && s.Config.TrustDir != "":
		s.TrustDir = s.Config.TrustDir
	case s.DockerDir != "":
		s.TrustDir = filepath.Join(s.DockerDir, "trust")
	default:
		return nil, errors.New("no trust directory: set --trust-dir, DOCKER_CONFIG or HOME")
	}
	return s, nil
}

// ServerFor is the notary server for gun and where that choice came from:
// --server, DOCKER_CONTENT_TRUST_SERVER, the config's remote_server.url,
// else docker's own choice (Docker Hub's notary for docker.io, the
// registry's host otherwise).
func (s *Setup) ServerFor(gun string) (server, source string) {
	switch {
	case s.in.Server != "":
		return s.in.Server, "--server"
	case s.in.Getenv(EnvTrustServer) != "":
		return s.in.Getenv(EnvTrustServer), EnvTrustServer
	case s.Config != nil && s.Config.Server != "":
		return s.Config.Server, "the notary config's remote_server.url"
	}
	if host := RegistryHost(gun); host != "docker.io" {
		return "https://" + host, "docker's default: the registry's host"
	}
	return HubNotary, "docker's default for Docker Hub"
}

// PublishServer is the server changes are published to. Publishing names
// its server (--server, DOCKER_CONTENT_TRUST_SERVER or the config's
// remote_server.url), never a guess.
func (s *Setup) PublishServer() (string, error) {
	server, source := s.ServerFor("")
	if strings.HasPrefix(source, "docker's default") {
		return "", errors.New("no notary server: give --server URL or set " + EnvTrustServer)
	}
	return server, nil
}

// Options are the Options for gun: online with the server ServerFor
// picks; offline with expiry checked at s.At, else at now.
func (s *Setup) Options(gun string, online bool, now time.Time) Options {
	o := Options{GUN: gun, TrustDir: s.TrustDir, CAFile: s.in.CAFile,
		NotaryConfig: s.in.ConfigFile, DockerConfig: s.DockerDir, At: s.At, HelperEnv: s.in.Env}
	if online {
		o.Server, _ = s.ServerFor(gun)
	} else if o.At.IsZero() {
		o.At = now
	}
	return o
}

// Pinning is the config's trust_pinning (none without a config file).
func (s *Setup) Pinning() tuf.TrustPinning {
	if s.Config == nil {
		return tuf.TrustPinning{}
	}
	return s.Config.Pinning
}

// Pinned reports whether the config pins any root.
func (s *Setup) Pinned() bool {
	p := s.Pinning()
	return len(p.Certs) > 0 || len(p.CA) > 0
}

// EnvList is env as KEY=VALUE lines, sorted.
func EnvList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// IsHubNotary reports whether server is Docker Hub's notary service.
func IsHubNotary(server string) bool {
	u, err := url.Parse(server)
	return err == nil && strings.EqualFold(u.Hostname(), "notary.docker.io")
}

// HubWarning is the warning a pull from Docker Hub's notary gets before
// the shutdown ("" otherwise).
func HubWarning(server string, now time.Time) string {
	if !IsHubNotary(server) || !now.Before(HubShutdown) {
		return ""
	}
	return fmt.Sprintf("Docker Hub's notary service stops on %s: archive the trust data you need to prove later (trustvault archive GUN... -o FILE) before then", HubShutdown.Format("2006-01-02"))
}

// HubGone adds what a server that is gone for good means, for Docker Hub's
// notary after its shutdown, to a failed request's error.
func HubGone(err error, now time.Time) error {
	var se *ServerError
	if !errors.As(err, &se) || !IsHubNotary(se.Server) || now.Before(HubShutdown) {
		return err
	}
	return fmt.Errorf("Docker Hub's notary service (notary.docker.io) shut down on %s and its trust data can no longer be pulled: %w",
		HubShutdown.Format("2006-01-02"), err)
}
