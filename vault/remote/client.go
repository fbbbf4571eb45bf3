package remote

// The HTTP side: one GET at a time, with a bound on every body, and the
// registry's authentication (basic, or the token flow).

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds of responses. Snapshot, targets and delegation files are read up
// to the length their parent recorded (MaxResponse).
const (
	MaxRootSize      = 1 << 20
	MaxTimestampSize = 1 << 20
	MaxKeySize       = 64 << 10
	MaxTokenSize     = 1 << 20
	MaxErrorSize     = 64 << 10
)

// MaxResponse is the most a server may send for a role's metadata:
// recorded is the length the parent role recorded (snapshot, targets,
// delegations), ignored for root and timestamp.
func MaxResponse(role string, recorded int64) int64 {
	switch role {
	case "root":
		return MaxRootSize
	case "timestamp":
		return MaxTimestampSize
	}
	return recorded
}

// client fetches one GUN's files from one server.
type client struct {
	base    *url.URL
	gun     string
	http    *http.Client
	creds   *Credentials
	token   string // the last bearer token, tried first
	offline string // Offline text for errors
	// registry: base is an image registry (its errors say so).
	registry bool
}

// newHTTPClient trusts the CA in caPEM (none: the system's roots).
func newHTTPClient(caPEM []byte, timeout time.Duration) (*http.Client, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("the CA file holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{TLSClientConfig: cfg, Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: timeout},
		// Redirects are followed (registries redirect to storage) but
		// never to plain http from https.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("more than 5 redirects")
			}
			if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return errors.New("redirect from https to " + req.URL.Scheme)
			}
			return nil
		},
	}, nil
}

// url is the address of a file under /v2/<gun>/_trust/tuf/.
func (c *client) url(name string) string {
	segs := strings.Split(c.gun, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v2/" + strings.Join(segs, "/") + "/_trust/tuf/" + name
	u.RawPath = ""
	return u.String()
}

// fail builds a ServerError.
func (c *client) fail(what string, kind error, status int, detail string) *ServerError {
	return &ServerError{Server: c.base.String(), GUN: c.gun, What: what, Kind: kind, Status: status,
		Detail: detail, Offline: c.offline, Registry: c.registry}
}

// get fetches a file, authenticating when challenged, and reads at most
// limit bytes of it.
func (c *client) get(ctx context.Context, name string, limit int64) ([]byte, error) {
	what := "GET " + name
	resp, err := c.do(ctx, what, c.url(name))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(what, resp)
	}
	return c.readBody(what, resp, limit)
}

// readBody reads a body of at most limit bytes; more is ErrTooLarge.
func (c *client) readBody(what string, resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, c.fail(what, ErrTooLarge, resp.StatusCode, fmt.Sprintf("%d bytes announced, at most %d allowed", resp.ContentLength, limit))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, c.fail(what, ErrUnreachable, resp.StatusCode, "reading the answer: "+err.Error())
	}
	if int64(len(data)) > limit {
		return nil, c.fail(what, ErrTooLarge, resp.StatusCode, fmt.Sprintf("more than the %d bytes allowed", limit))
	}
	return data, nil
}

// statusError turns a status other than 200 into a ServerError, with the
// server's error code when its body has one.
func (c *client) statusError(what string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorSize))
	detail := serverErrorCode(body)
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return c.fail(what, ErrNotFound, resp.StatusCode, detail)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return c.fail(what, ErrUnauthorized, resp.StatusCode, detail)
	default:
		return c.fail(what, ErrServer, resp.StatusCode, detail)
	}
}

// serverErrorCode is the first code and message of a registry error body
// ({"errors":[{"code","message"}]}), printable characters only.
func serverErrorCode(body []byte) string {
	var e struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	return printable(e.Errors[0].Code + ": " + e.Errors[0].Message)
}

// printable is a server's message made safe to show: control characters
// (C0, DEL and C1) left out, and at most 200 bytes, cut between
// characters.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// do sends a GET, answering one authentication challenge.
func (c *client) do(ctx context.Context, what, target string) (*http.Response, error) {
	return c.doReq(ctx, what, http.MethodGet, target, nil)
}

// doReq sends a request without a body, answering one authentication
// challenge.
func (c *client) doReq(ctx context.Context, what, method, target string, header http.Header) (*http.Response, error) {
	resp, err := c.sendReq(ctx, what, method, target, c.authHeader(), header)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	io.Copy(io.Discard, io.LimitReader(resp.Body, MaxErrorSize))
	resp.Body.Close()
	auth, err := c.answer(ctx, what, challenge)
	if err != nil {
		return nil, err
	}
	return c.sendReq(ctx, what, method, target, auth, header)
}

func (c *client) authHeader() string {
	if c.token != "" {
		return "Bearer " + c.token
	}
	return ""
}

func (c *client) sendReq(ctx context.Context, what, method, target, auth string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return nil, c.fail(what, ErrUnreachable, 0, err.Error())
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.fail(what, classify(err), 0, netDetail(err))
	}
	return resp, nil
}

// classify sorts a transport error: certificate problems apart from the
// rest (refused, unknown host, timeout), which mean unreachable.
func classify(err error) error {
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr *tls.CertificateVerificationError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &certErr) || errors.As(err, &invalid) {
		return ErrTLS
	}
	return ErrUnreachable
}

func netDetail(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return printable(opErr.Op + ": " + opErr.Err.Error())
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return printable(urlErr.Err.Error())
	}
	return printable(err.Error())
}

// answer meets a 401's challenge: basic auth with the credentials, or a
// bearer token from the realm (with the credentials when there are some,
// anonymously otherwise, as registries allow for public repositories).
func (c *client) answer(ctx context.Context, what, header string) (string, error) {
	if header == "" {
		return "", c.fail(what, ErrUnauthorized, http.StatusUnauthorized, "no WWW-Authenticate challenge")
	}
	challenges, err := ParseChallenges(header)
	if err != nil {
		return "", c.fail(what, ErrServer, http.StatusUnauthorized, err.Error())
	}
	for _, ch := range challenges {
		switch {
		case strings.EqualFold(ch.Scheme, "Bearer"):
			tok, err := c.fetchToken(ctx, ch)
			if err != nil {
				return "", err
			}
			c.token = tok
			return "Bearer " + tok, nil
		case strings.EqualFold(ch.Scheme, "Basic") && c.creds != nil:
			req, _ := http.NewRequest(http.MethodGet, "/", nil)
			req.SetBasicAuth(c.creds.Username, c.creds.Password)
			return req.Header.Get("Authorization"), nil
		}
	}
	detail := "challenge " + printable(challenges[0].Scheme)
	if c.creds == nil {
		detail += ", and no credentials for " + RegistryHost(c.gun) + " were found"
	}
	return "", c.fail(what, ErrUnauthorized, http.StatusUnauthorized, detail)
}

// fetchToken asks the realm of a Bearer challenge for a token.
func (c *client) fetchToken(ctx context.Context, ch Challenge) (string, error) {
	realm := ch.Params["realm"]
	u, err := url.Parse(realm)
	what := "token from " + printable(realm)
	if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && c.base.Scheme == "http")) || u.Host == "" {
		return "", c.fail(what, ErrServer, http.StatusUnauthorized, "the challenge's realm is not an https URL")
	}
	q := u.Query()
	if s := ch.Params["service"]; s != "" {
		q.Set("service", s)
	}
	scope := ch.Params["scope"]
	if scope == "" {
		scope = "repository:" + c.gun + ":pull"
	}
	q.Add("scope", scope)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", c.fail(what, ErrServer, 0, err.Error())
	}
	if c.creds != nil {
		req.SetBasicAuth(c.creds.Username, c.creds.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", c.fail(what, classify(err), 0, netDetail(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		kind := ErrServer
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			kind = ErrUnauthorized
		}
		return "", c.fail(what, kind, resp.StatusCode, "the token service refused "+credsWord(c.creds))
	}
	body, err := c.readBody(what, resp, MaxTokenSize)
	if err != nil {
		return "", err
	}
	return parseToken(body, what, c)
}

func credsWord(cr *Credentials) string {
	if cr == nil {
		return "an anonymous request"
	}
	return "the credentials of user " + strconv.Quote(printable(cr.Username))
}

// ParseTokenResponse reads a token service's answer: {"token"} or
// {"access_token"}.
func ParseTokenResponse(body []byte) (string, error) {
	var j struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &j); err != nil {
		return "", errors.New("token answer is not JSON")
	}
	tok := j.Token
	if tok == "" {
		tok = j.AccessToken
	}
	if tok == "" {
		return "", errors.New("token answer has no token")
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", errors.New("token has white space in it")
	}
	return tok, nil
}

func parseToken(body []byte, what string, c *client) (string, error) {
	tok, err := ParseTokenResponse(body)
	if err != nil {
		return "", c.fail(what, ErrServer, http.StatusOK, err.Error())
	}
	return tok, nil
}
