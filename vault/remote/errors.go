package remote

import (
	"errors"
	"fmt"
	"strings"
)

// Outcomes of talking to a server; a *ServerError wraps one of them.
var (
	// ErrUnreachable: no connection (refused, no route, name unknown,
	// timed out): the server is down or gone.
	ErrUnreachable = errors.New("server unreachable")
	// ErrTLS: the server's certificate is not trusted.
	ErrTLS = errors.New("server certificate not trusted")
	// ErrUnauthorized: the server or its token service refused the
	// credentials, or wants some that were not given.
	ErrUnauthorized = errors.New("credentials refused")
	// ErrNotFound: the server has no trust data for the GUN (never
	// signed, or deleted on the server).
	ErrNotFound = errors.New("no trust data on the server")
	// ErrServer: the server answered with an error of its own (5xx, or a
	// status a notary server does not give).
	ErrServer = errors.New("server error")
	// ErrTooLarge: a response is larger than its bound.
	ErrTooLarge = errors.New("response too large")
)

// ServerError is a failed request to a notary server (or its token
// service).
type ServerError struct {
	Server string // the server's URL
	GUN    string
	What   string // "GET root.json", "token from https://…"
	Kind   error  // one of the Err… values above
	Status int    // HTTP status, 0 without an answer
	Detail string // the cause, or the server's own error code
	// Offline says what still works without the server.
	Offline string
	// Registry: the server is an image registry, not a notary server.
	Registry bool
}

func (e *ServerError) Error() string {
	var b strings.Builder
	kind := e.Kind
	if e.Registry && kind == ErrNotFound {
		kind = errNoManifest
	}
	fmt.Fprintf(&b, "%s %s: %s for %s: %v", e.service(), e.Server, e.What, e.GUN, kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	hint := kindHint(e.Kind)
	if e.Registry {
		hint = registryHint(e.Kind)
	}
	if hint != "" {
		b.WriteString("; " + hint)
	}
	if e.Offline != "" {
		b.WriteString("; " + e.Offline)
	}
	return b.String()
}

func (e *ServerError) Unwrap() error { return e.Kind }

func (e *ServerError) service() string {
	if e.Registry {
		return "registry"
	}
	return "notary server"
}

// errNoManifest is how a registry's 404 reads (it is ErrNotFound).
var errNoManifest = errors.New("no such manifest in the registry")

func registryHint(kind error) string {
	switch kind {
	case ErrUnreachable:
		return "check the registry's URL (--registry) and the network"
	case ErrTLS:
		return "give the CA that signed the registry's certificate (--registry-cacert FILE)"
	case ErrUnauthorized:
		return "log in to the registry (docker login HOST) or check the credentials in config.json"
	case ErrNotFound:
		return "push the image first, or give --digest and --size"
	case ErrTooLarge:
		return "the registry sent more than any manifest needs; refused without reading further"
	}
	return ""
}

func kindHint(kind error) string {
	switch kind {
	case ErrUnreachable:
		return "check the URL and the network; a server that has shut down (as Docker Hub's notary on 2026-12-08) will not come back"
	case ErrTLS:
		return "give the CA that signed the server's certificate (--tlscacert FILE, or root_ca in the notary config)"
	case ErrUnauthorized:
		return "log in to the registry (docker login HOST) or check the credentials in config.json"
	case ErrNotFound:
		return "the repository was never signed on this server, or its trust data was deleted there"
	case ErrTooLarge:
		return "the server sent more than any trust metadata needs; refused without reading further"
	}
	return ""
}
