package remote

// The manifest a tag names in its registry: what docker trust sign signs
// for an image already pushed, found here for people whose docker no
// longer has docker trust.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/trustvault/trustvault/vault/internal/fsread"
)

// MaxManifestSize bounds a manifest read from a registry (distribution
// refuses to store manifests over 4 MiB).
const MaxManifestSize = 4 << 20

// manifestTypes are the manifests docker and OCI clients push.
var manifestTypes = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}

// Manifest is the manifest a tag names, as read from the registry.
type Manifest struct {
	Registry  string // the registry's URL
	Path      string // the repository's path in it
	Tag       string
	Digest    string // sha256 of the bytes read, hex
	Size      int64
	MediaType string
}

// RegistryURL is the registry of a GUN as docker reaches it: Docker Hub's
// at https://registry-1.docker.io, any other at https://HOST.
func RegistryURL(gun string) string {
	if host := RegistryHost(gun); host != "docker.io" {
		return "https://" + host
	}
	return "https://registry-1.docker.io"
}

// RepositoryPath is the GUN's repository in its registry: the GUN without
// its registry host.
func RepositoryPath(gun string) string {
	first, rest, found := strings.Cut(gun, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return rest
	}
	return gun
}

// ManifestOf reads the manifest tag names in o.GUN's registry (registry:
// its URL, "" for RegistryURL), with the credentials o finds for the
// registry's host and o.CAFile's CAs, and returns its sha256 and size as
// computed from the bytes read. A registry whose Docker-Content-Digest
// disagrees with those bytes is refused.
func ManifestOf(ctx context.Context, o Options, registry, tag string) (*Manifest, error) {
	if err := ValidGUN(o.GUN); err != nil {
		return nil, err
	}
	if tag == "" || len(tag) > 128 || strings.ContainsAny(tag, "/:@ \t\r\n") {
		return nil, fmt.Errorf("tag %.80q is not a tag name", tag)
	}
	if registry == "" {
		registry = RegistryURL(o.GUN)
	}
	u, err := url.Parse(registry)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("registry %.120q is not an https:// URL", registry)
	}
	s := &settings{gun: o.GUN, server: u, opts: o}
	if o.CAFile != "" {
		if s.caPEM, err = fsread.File(o.CAFile, MaxConfigSize); err != nil {
			return nil, fmt.Errorf("registry CA file: %w", err)
		}
	}
	c, err := s.newClient(ctx, "")
	if err != nil {
		return nil, err
	}
	c.registry = true
	path := RepositoryPath(o.GUN)
	what := "GET manifest " + tag
	target := strings.TrimSuffix(u.String(), "/") + "/v2/" + path + "/manifests/" + url.PathEscape(tag)
	resp, err := c.doReq(ctx, what, http.MethodGet, target, http.Header{"Accept": {strings.Join(manifestTypes, ", ")}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(what, resp)
	}
	body, err := c.readBody(what, resp, MaxManifestSize)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	m := &Manifest{Registry: u.String(), Path: path, Tag: tag, Digest: hex.EncodeToString(sum[:]), Size: int64(len(body)),
		MediaType: resp.Header.Get("Content-Type")}
	if said := resp.Header.Get("Docker-Content-Digest"); said != "" && !strings.EqualFold(said, "sha256:"+m.Digest) {
		return nil, c.fail(what, ErrServer, resp.StatusCode,
			fmt.Sprintf("its Docker-Content-Digest %s is not the sha256 of the manifest it sent (sha256:%s); nothing is signed", printable(said), m.Digest))
	}
	if len(body) == 0 {
		return nil, c.fail(what, ErrServer, resp.StatusCode, "an empty manifest")
	}
	return m, nil
}
