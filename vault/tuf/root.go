package tuf

// Trusting a root.json as notary's client does (trustpinning.ValidateRoot):
// the root keys are certificates whose common name is the GUN; a first root
// is trusted on first use or through the trust pinning configuration; a
// later root must be signed by the previous root's root keys and by its
// own.

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TrustPinning is notary's "trust_pinning" configuration.
type TrustPinning struct {
	// Certs pins a GUN's root keys: GUN → key IDs. An ID is the one
	// root.json lists (the certificate's TUF ID, as notary pins it); the
	// canonical ID of the key (what `notary key list` prints) is accepted
	// too.
	Certs map[string][]string
	// CA pins GUNs by prefix to certificate authorities: prefix → PEM
	// certificates. The longest prefix that matches the GUN applies.
	CA map[string][]byte
	// DisableTOFU refuses a first root that nothing above pins.
	DisableTOFU bool
}

// rootKeys returns the root role's keys whose certificate is usable for
// gun: a certificate (first PEM block, any further blocks are
// intermediates) whose common name is the GUN and, when at is not zero,
// valid at that time. Keys that are not certificates are not usable, as
// in notary.
func rootKeys(root *Metadata, gun string, at time.Time) (map[string]Key, []string) {
	role, ok := root.Roles["root"]
	if !ok {
		return nil, []string{"root.json has no root role"}
	}
	keys := map[string]Key{}
	var why []string
	for _, id := range role.KeyIDs {
		k, ok := root.Keys[id]
		if !ok {
			why = append(why, fmt.Sprintf("key %s is not in root.json's keys", shortID(id)))
			continue
		}
		if k.Type != KeyTypeECDSAX509 && k.Type != KeyTypeRSAX509 {
			why = append(why, fmt.Sprintf("key %s is %s, not a certificate", shortID(id), k.Type))
			continue
		}
		cert, err := firstCertificate(k.Public)
		if err != nil {
			why = append(why, fmt.Sprintf("key %s: %v", shortID(id), err))
			continue
		}
		if cert.Subject.CommonName != gun {
			why = append(why, fmt.Sprintf("key %s: certificate is for %.80q, not %q", shortID(id), cert.Subject.CommonName, gun))
			continue
		}
		if !at.IsZero() && (at.Before(cert.NotBefore) || at.After(cert.NotAfter)) {
			why = append(why, fmt.Sprintf("key %s: certificate valid %s to %s, not at %s", shortID(id),
				cert.NotBefore.UTC().Format(time.DateOnly), cert.NotAfter.UTC().Format(time.DateOnly), at.UTC().Format(time.DateOnly)))
			continue
		}
		keys[id] = k
	}
	return keys, why
}

// ValidateRoot decides whether root.json data can be trusted for gun.
// prev is the trusted root it replaces (nil on first use); the new root
// must then be signed by prev's root threshold of prev's root keys
// (ErrRootRotation). Whatever prev is, the root's keys must match the
// pinning (ErrPinning; trust on first use when nothing pins the GUN and
// TOFU is not disabled), and the root must be signed by its own threshold
// of those keys. at is when certificates must be valid (zero: not
// checked). Expiry of the root itself is the caller's to check.
func ValidateRoot(prev *Metadata, data []byte, gun string, pin TrustPinning, at time.Time) (*Metadata, error) {
	m, err := ParseRole("root", data)
	if err != nil {
		return nil, err
	}
	if err := checkBaseRoles(m); err != nil {
		return nil, err
	}
	usable, why := rootKeys(m, gun, at)
	if prev != nil {
		prevKeys, _ := rootKeys(prev, gun, time.Time{})
		role := RoleKeys{Name: "root", KeyIDs: keyIDs(prevKeys), Keys: prevKeys, Threshold: prev.Roles["root"].Threshold}
		if err := VerifySignatures(m, role); err != nil {
			return nil, fmt.Errorf("root version %d replacing version %d: %w: %w", m.Version, prev.Version, ErrRootRotation, err)
		}
	}
	pinned, err := pin.filter(usable, gun, prev == nil, at)
	if err != nil {
		return nil, err
	}
	if len(pinned) == 0 {
		reason := "no usable root certificate"
		if len(why) > 0 {
			reason += " (" + strings.Join(why, "; ") + ")"
		}
		if len(usable) > 0 {
			reason = "none of the root keys " + strings.Join(shortIDs(keyIDs(usable)), ", ") + " is pinned"
		}
		return nil, fmt.Errorf("root version %d for %s: %s: %w", m.Version, gun, reason, ErrPinning)
	}
	role := RoleKeys{Name: "root", KeyIDs: keyIDs(pinned), Keys: pinned, Threshold: m.Roles["root"].Threshold}
	if err := VerifySignatures(m, role); err != nil {
		return nil, fmt.Errorf("root version %d: %w", m.Version, err)
	}
	return m, nil
}

// checkBaseRoles requires the four base roles with a threshold of one or
// more.
func checkBaseRoles(m *Metadata) error {
	for _, name := range []string{"root", "targets", "snapshot", "timestamp"} {
		r, ok := m.Roles[name]
		if !ok || r.Threshold < 1 || len(r.KeyIDs) < r.Threshold {
			return fmt.Errorf("root version %d: role %s missing or with threshold %d over %d key(s): %w",
				m.Version, name, r.Threshold, len(r.KeyIDs), ErrInvalid)
		}
	}
	return nil
}

// filter keeps the keys the pinning allows for gun. first is true when
// there is no trusted root yet.
func (p TrustPinning) filter(keys map[string]Key, gun string, first bool, at time.Time) (map[string]Key, error) {
	if ids, ok := p.Certs[gun]; ok {
		out := map[string]Key{}
		for id, k := range keys {
			canon, _ := k.CanonicalID()
			if slices.Contains(ids, id) || slices.Contains(ids, canon) {
				out[id] = k
			}
		}
		return out, nil
	}
	if prefix, caPEM, ok := p.ca(gun); ok {
		pool, err := caPool(caPEM)
		if err != nil {
			return nil, fmt.Errorf("trust pinning CA for %q: %v: %w", prefix, err, ErrPinning)
		}
		out := map[string]Key{}
		for id, k := range keys {
			if chainsTo(k, pool, at) {
				out[id] = k
			}
		}
		return out, nil
	}
	if first && p.DisableTOFU {
		return nil, fmt.Errorf("%s: trust on first use is disabled and no certificate or CA is pinned for it: %w", gun, ErrPinning)
	}
	return keys, nil
}

// ca is the CA pinned for the longest prefix of gun.
func (p TrustPinning) ca(gun string) (prefix string, pemData []byte, ok bool) {
	for pre, data := range p.CA {
		if strings.HasPrefix(gun, pre) && (!ok || len(pre) > len(prefix)) {
			prefix, pemData, ok = pre, data, true
		}
	}
	return prefix, pemData, ok
}

func caPool(pemData []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := pemData; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, errors.New("no CERTIFICATE in the CA file")
	}
	return pool, nil
}

// chainsTo reports whether the key's certificate chains to a CA of pool,
// with any further certificates of its bundle as intermediates.
func chainsTo(k Key, pool *x509.CertPool, at time.Time) bool {
	var certs []*x509.Certificate
	for rest := k.Public; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil && block.Type == "CERTIFICATE" {
			certs = append(certs, c)
		}
	}
	if len(certs) == 0 {
		return false
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	_, err := certs[0].Verify(opts)
	return err == nil
}

func keyIDs(keys map[string]Key) []string {
	ids := make([]string, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func shortIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = shortID(id)
	}
	return out
}
