package remote

// Writing to a notary server: publishing signed metadata (one multipart
// POST), the server-held keys (GET or POST <role>.key) and deleting a
// repository. Authentication is the same as for reads; the server's
// challenge names the scope it wants (push,pull or *).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/trustvault/trustvault/vault/tuf"
)

var (
	// ErrRefused: the server refused a publish (its answer names the
	// reason); it accepted none of the files.
	ErrRefused = errors.New("update refused by the server")
	// ErrUncertain: the connection broke after the request was sent, so
	// the server may or may not have acted on it.
	ErrUncertain = errors.New("no answer after the request was sent")
)

// Publish sends the signed metadata files (by role name: "root",
// "targets", "snapshot", "targets/releases") to the server in one
// multipart POST, as the notary CLI does: form name "files", the role name
// as the file name. The server accepts the whole set or none of it.
func Publish(ctx context.Context, o Options, files map[string][]byte) error {
	if len(files) == 0 {
		return errors.New("nothing to publish")
	}
	s, err := o.resolve(true)
	if err != nil {
		return err
	}
	c, err := s.newClient(ctx, "")
	if err != nil {
		return err
	}
	body, ctype, err := multipartBody(files)
	if err != nil {
		return err
	}
	what := "publish " + strings.Join(sortedRoles(files), ", ")
	resp, err := c.doMethod(ctx, what, http.MethodPost, c.url(""), body, ctype)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxErrorSize))
		return nil
	}
	if resp.StatusCode == http.StatusBadRequest {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorSize))
		return c.fail(what, ErrRefused, resp.StatusCode, refusalDetail(raw))
	}
	return c.statusError(what, resp)
}

func sortedRoles(files map[string][]byte) []string {
	roles := make([]string, 0, len(files))
	for r := range files {
		roles = append(roles, r)
	}
	slices.Sort(roles)
	return roles
}

// multipartBody builds the publish body, parts in role order.
func multipartBody(files map[string][]byte) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, role := range sortedRoles(files) {
		if role != "root" && role != "targets" && role != "snapshot" && role != "timestamp" &&
			(!strings.HasPrefix(role, "targets/") || !tuf.ValidRoleName(role)) {
			return nil, "", fmt.Errorf("role %.80q cannot be published", role)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename="%s"`, role))
		h.Set("Content-Type", "application/octet-stream")
		part, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := part.Write(files[role]); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// refusalDetail is the reason in a refused publish's answer:
// {"errors":[{"code","message","detail":{"Name","Error":{"Msg"}}}]}.
func refusalDetail(body []byte) string {
	var e struct {
		Errors []struct {
			Code, Message string
			Detail        struct {
				Name  string
				Error struct{ Msg string }
			}
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	first := e.Errors[0]
	out := first.Code + ": " + first.Message
	if first.Detail.Name != "" {
		out += " (" + first.Detail.Name
		if first.Detail.Error.Msg != "" {
			out += ": " + first.Detail.Error.Msg
		}
		out += ")"
	}
	return printable(out)
}

// ServerKey returns the public key the server holds for role ("timestamp"
// or "snapshot"). A GET creates the key when the server has none; rotate
// (a POST) makes a new one, as `notary key rotate GUN ROLE -r` does.
func ServerKey(ctx context.Context, o Options, role string, rotate bool) (tuf.Key, error) {
	if role != "timestamp" && role != "snapshot" {
		return tuf.Key{}, fmt.Errorf("the server holds timestamp and snapshot keys only, not %.40q", role)
	}
	s, err := o.resolve(true)
	if err != nil {
		return tuf.Key{}, err
	}
	c, err := s.newClient(ctx, "")
	if err != nil {
		return tuf.Key{}, err
	}
	method, what := http.MethodGet, "GET "+role+".key"
	if rotate {
		method, what = http.MethodPost, "POST "+role+".key"
	}
	resp, err := c.doMethod(ctx, what, method, c.url(role+".key"), nil, "")
	if err != nil {
		return tuf.Key{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return tuf.Key{}, c.statusError(what, resp)
	}
	data, err := c.readBody(what, resp, MaxKeySize)
	if err != nil {
		return tuf.Key{}, err
	}
	var k struct {
		KeyType string `json:"keytype"`
		KeyVal  struct {
			Public []byte `json:"public"`
		} `json:"keyval"`
	}
	if err := json.Unmarshal(data, &k); err != nil || k.KeyType == "" || len(k.KeyVal.Public) == 0 {
		return tuf.Key{}, c.fail(what, ErrServer, resp.StatusCode, "the answer is not a public key")
	}
	key := tuf.Key{Type: k.KeyType, Public: k.KeyVal.Public}
	if _, err := key.PublicKey(); err != nil {
		return tuf.Key{}, c.fail(what, ErrServer, resp.StatusCode, "the server's key does not parse: "+printable(err.Error()))
	}
	return key, nil
}

// DeleteRepository deletes a repository's trust data on the server
// (DELETE /v2/<gun>/_trust/tuf/), which needs the registry's "*" access.
// It leaves the local cache alone.
func DeleteRepository(ctx context.Context, o Options) error {
	s, err := o.resolve(true)
	if err != nil {
		return err
	}
	c, err := s.newClient(ctx, "")
	if err != nil {
		return err
	}
	what := "DELETE trust data"
	resp, err := c.doMethod(ctx, what, http.MethodDelete, c.url(""), nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.statusError(what, resp)
	}
	return nil
}

// doMethod sends a request with a body (re-sent after one challenge).
func (c *client) doMethod(ctx context.Context, what, method, target string, body []byte, ctype string) (*http.Response, error) {
	resp, err := c.sendMethod(ctx, what, method, target, c.authHeader(), body, ctype)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	header := resp.Header.Get("WWW-Authenticate")
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxErrorSize))
	resp.Body.Close()
	auth, err := c.answer(ctx, what, header)
	if err != nil {
		return nil, err
	}
	return c.sendMethod(ctx, what, method, target, auth, body, ctype)
}

func (c *client) sendMethod(ctx context.Context, what, method, target, auth string, body []byte, ctype string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, c.fail(what, ErrUnreachable, 0, err.Error())
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	// A request whose headers were never written (no connection, a TLS
	// handshake that never finished) cannot have reached the server.
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }}))
	resp, err := c.http.Do(req)
	if err != nil {
		kind := classify(err)
		if kind == ErrUnreachable && method != http.MethodGet && wrote.Load() && !notSent(err) {
			kind = ErrUncertain
		}
		return nil, c.fail(what, kind, 0, netDetail(err))
	}
	return resp, nil
}

// notSent reports whether a transport error happened before the request
// could reach the server (no connection was made).
func notSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}
