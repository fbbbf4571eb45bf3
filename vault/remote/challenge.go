package remote

// Parsing WWW-Authenticate (RFC 7235): one or more challenges, each a
// scheme and comma-separated auth-params whose values are tokens or quoted
// strings.

import (
	"errors"
	"fmt"
	"strings"
)

// MaxChallengeLength bounds the WWW-Authenticate header parsed.
const MaxChallengeLength = 8 << 10

// Challenge is one authentication challenge: "Bearer" with realm,
// service and scope, or "Basic" with realm.
type Challenge struct {
	Scheme string            // as sent; compare with strings.EqualFold
	Params map[string]string // names lowercased
}

// ParseChallenges parses a WWW-Authenticate header value.
func ParseChallenges(header string) ([]Challenge, error) {
	if len(header) > MaxChallengeLength {
		return nil, fmt.Errorf("WWW-Authenticate is %d bytes, more than %d", len(header), MaxChallengeLength)
	}
	p := &challengeParser{s: header}
	var out []Challenge
	for {
		p.skip(" \t,")
		if p.done() {
			break
		}
		scheme := p.token()
		if scheme == "" {
			return nil, fmt.Errorf("WWW-Authenticate %.80q: expected an auth scheme at offset %d", header, p.i)
		}
		c := Challenge{Scheme: scheme, Params: map[string]string{}}
		if err := p.params(&c); err != nil {
			return nil, fmt.Errorf("WWW-Authenticate %.80q: %w", header, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("WWW-Authenticate is empty")
	}
	return out, nil
}

type challengeParser struct {
	s string
	i int
}

func (p *challengeParser) done() bool { return p.i >= len(p.s) }

func (p *challengeParser) skip(set string) {
	for p.i < len(p.s) && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
	}
}

// token reads an RFC 7230 token.
func (p *challengeParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func isTokenChar(c byte) bool {
	if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// params reads the auth-params after a scheme, up to the next challenge
// (a token not followed by "=") or the end.
func (p *challengeParser) params(c *Challenge) error {
	for {
		p.skip(" \t")
		save := p.i
		p.skip(",")
		p.skip(" \t")
		if p.done() {
			return nil
		}
		name := p.token()
		p.skip(" \t")
		if name == "" || p.done() || p.s[p.i] != '=' {
			p.i = save // the next challenge starts here (or token68, unsupported)
			if name == "" && !p.done() && p.s[p.i] != ',' {
				return fmt.Errorf("unexpected %q at offset %d", p.s[p.i], p.i)
			}
			return nil
		}
		p.i++ // '='
		p.skip(" \t")
		value, err := p.value()
		if err != nil {
			return err
		}
		name = strings.ToLower(name)
		if _, dup := c.Params[name]; dup {
			return fmt.Errorf("parameter %q given twice", name)
		}
		c.Params[name] = value
	}
}

func (p *challengeParser) value() (string, error) {
	if p.done() {
		return "", errors.New("parameter without a value")
	}
	if p.s[p.i] != '"' {
		v := p.token()
		if v == "" {
			return "", fmt.Errorf("bad parameter value at offset %d", p.i)
		}
		return v, nil
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\' && p.i+1 < len(p.s):
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", errors.New("unterminated quoted string")
}
