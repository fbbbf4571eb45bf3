package migrate

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxAttributeLen bounds one subject attribute (X.520's upper bound for
// names such as CN and O is 64).
const maxAttributeLen = 64

// maxSubjectLen bounds the text ParseSubject reads.
const maxSubjectLen = 1024

// ParseSubject reads a distinguished name in the comma-separated form
// Notation's trust policies use, "C=US, ST=WA, O=Example, CN=signer":
// attributes C, ST (or S), L, O, OU and CN, each at most once, in any order;
// a backslash escapes the next character. The result must pass the same
// checks as CertOptions.Subject (C, ST and O present).
func ParseSubject(s string) (pkix.Name, error) {
	var name pkix.Name
	if len(s) > maxSubjectLen {
		return name, fmt.Errorf("subject: %d characters is too long (at most %d)", len(s), maxSubjectLen)
	}
	parts, err := splitDN(s)
	if err != nil {
		return name, err
	}
	seen := map[string]bool{}
	for _, part := range parts {
		typ, value, ok := strings.Cut(part, "=")
		typ = strings.ToUpper(strings.TrimSpace(typ))
		value = strings.TrimSpace(value)
		if !ok || typ == "" {
			return pkix.Name{}, fmt.Errorf("subject %q: %q is not TYPE=value", s, part)
		}
		if typ == "S" {
			typ = "ST"
		}
		if seen[typ] {
			return pkix.Name{}, fmt.Errorf("subject %q: %s appears twice; Notation allows each attribute once", s, typ)
		}
		seen[typ] = true
		switch typ {
		case "CN":
			name.CommonName = value
		case "C":
			name.Country = []string{value}
		case "ST":
			name.Province = []string{value}
		case "L":
			name.Locality = []string{value}
		case "O":
			name.Organization = []string{value}
		case "OU":
			name.OrganizationalUnit = []string{value}
		default:
			return pkix.Name{}, fmt.Errorf("subject %q: attribute %q is not supported; use C, ST, L, O, OU and CN", s, typ)
		}
	}
	if err := checkSubject(name); err != nil {
		return pkix.Name{}, err
	}
	return name, nil
}

// splitDN splits at unescaped commas and removes the escapes.
func splitDN(s string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == ',':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if escaped {
		return nil, fmt.Errorf("subject %q: ends in a lone backslash", s)
	}
	parts = append(parts, cur.String())
	if len(parts) == 1 && strings.TrimSpace(parts[0]) == "" {
		return nil, errors.New("subject: empty; give at least C, ST and O, e.g. \"C=US, ST=WA, O=Example, CN=signer\"")
	}
	return parts, nil
}

// checkSubject applies the rules CertOptions.Subject documents.
func checkSubject(n pkix.Name) error {
	show := n.String()
	if len(n.ExtraNames) > 0 {
		return fmt.Errorf("subject %q: extra attributes are not supported; use C, ST, L, O, OU, CN", show)
	}
	required := []struct {
		attr   string
		values []string
	}{{"C", n.Country}, {"ST", n.Province}, {"O", n.Organization}}
	for _, r := range required {
		if len(r.values) != 1 || strings.TrimSpace(r.values[0]) == "" {
			return fmt.Errorf("subject %q: needs exactly one %s; a Notation trust policy names its signers by C, ST and O, e.g. \"C=US, ST=WA, O=Example, CN=signer\"", show, r.attr)
		}
	}
	if c := n.Country[0]; len(c) != 2 || !isASCIILetters(c) {
		return fmt.Errorf("subject %q: country %q is not a two-letter code such as US or DE", show, c)
	}
	optional := []struct {
		attr   string
		values []string
	}{{"L", n.Locality}, {"OU", n.OrganizationalUnit}, {"STREET", n.StreetAddress}, {"postalCode", n.PostalCode}}
	for _, o := range optional {
		if len(o.values) > 1 {
			return fmt.Errorf("subject %q: %s appears %d times; Notation allows each attribute once", show, o.attr, len(o.values))
		}
	}
	values := []string{n.CommonName, n.SerialNumber}
	for _, list := range [][]string{n.Country, n.Province, n.Organization, n.Locality, n.OrganizationalUnit, n.StreetAddress, n.PostalCode} {
		values = append(values, list...)
	}
	for _, v := range values {
		if utf8.RuneCountInString(v) > maxAttributeLen || !utf8.ValidString(v) || strings.ContainsFunc(v, isControl) {
			return fmt.Errorf("subject %q: the value %q is longer than %d characters or holds control characters", show, v, maxAttributeLen)
		}
	}
	return nil
}

func isASCIILetters(s string) bool {
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// TrustedIdentity is the trustedIdentities entry of a Notation trust policy
// that trusts exactly the signer named in cert's subject:
// "x509.subject: " followed by the subject in RFC 4514 form, which is how
// Notation's verifier renders the leaf's subject before comparing.
func TrustedIdentity(cert *x509.Certificate) string {
	return "x509.subject: " + cert.Subject.String()
}
