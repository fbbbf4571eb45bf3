package remote

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServerChoice: --server, then DOCKER_CONTENT_TRUST_SERVER, then
// docker's own choice; publishing never takes docker's guess.
func TestServerChoice(t *testing.T) {
	env := map[string]string{"HOME": "/home/x"}
	get := func(k string) string { return env[k] }
	s, err := NewSetup(SetupInput{Getenv: get})
	if err != nil {
		t.Fatal(err)
	}
	if s.TrustDir != filepath.Join("/home/x", ".docker", "trust") {
		t.Errorf("trust dir %s", s.TrustDir)
	}
	for gun, want := range map[string]string{
		"docker.io/library/alpine":  "https://notary.docker.io",
		"library/alpine":            "https://notary.docker.io",
		"registry.test:5000/team/x": "https://registry.test:5000",
		"myacr.azurecr.io/app":      "https://myacr.azurecr.io",
	} {
		if got, _ := s.ServerFor(gun); got != want {
			t.Errorf("server for %s: %s, want %s", gun, got, want)
		}
	}
	if _, err := s.PublishServer(); err == nil || !strings.Contains(err.Error(), "--server") {
		t.Errorf("publish server without one named: %v", err)
	}
	env[EnvTrustServer] = "https://notary.example"
	if got, src := s.ServerFor("docker.io/library/alpine"); got != "https://notary.example" || src != EnvTrustServer {
		t.Errorf("with %s: %s (%s)", EnvTrustServer, got, src)
	}
	if got, err := s.PublishServer(); got != "https://notary.example" || err != nil {
		t.Errorf("publish server with %s: %s, %v", EnvTrustServer, got, err)
	}
	s.in.Server = "https://flag.example"
	if got, _ := s.ServerFor("docker.io/library/alpine"); got != "https://flag.example" {
		t.Errorf("with --server: %s", got)
	}
	if _, err := NewSetup(SetupInput{}); err == nil {
		t.Error("no HOME, DOCKER_CONFIG or --trust-dir: no error")
	}
}

// TestDockerHubShutdownWords: after 2026-12-08 a failed request to Docker
// Hub's notary says the service is gone; before, a pull warns to archive.
func TestDockerHubShutdownWords(t *testing.T) {
	before := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	after := time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC)
	se := &ServerError{Server: HubNotary, GUN: "docker.io/library/alpine", What: "GET root.json", Kind: ErrUnreachable,
		Detail: "dial tcp: lookup notary.docker.io: no such host", Offline: "the cached trust data … still verifies offline"}
	err := HubGone(se, after)
	if !strings.Contains(err.Error(), "shut down on 2026-12-08") || !strings.Contains(err.Error(), "still verifies offline") || !errors.Is(err, ErrUnreachable) {
		t.Errorf("after the shutdown: %v", err)
	}
	if got := HubGone(se, before); got != error(se) {
		t.Errorf("before the shutdown: %v", got)
	}
	other := &ServerError{Server: "https://notary.example", Kind: ErrUnreachable}
	if got := HubGone(other, after); got != error(other) {
		t.Errorf("another server: %v", got)
	}
	if w := HubWarning(HubNotary, before); !strings.Contains(w, "stops on 2026-12-08") || !strings.Contains(w, "trustvault archive") {
		t.Errorf("warning before: %q", w)
	}
	if w := HubWarning(HubNotary, after); w != "" {
		t.Errorf("warning after: %q", w)
	}
	if w := HubWarning("https://notary.example", before); w != "" {
		t.Errorf("warning for another server: %q", w)
	}
}
