package remotetest

import (
	"bytes"
	"crypto/tls"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// maxRecordedBody bounds what the proxy reads of a request to record it.
const maxRecordedBody = 8 << 20

// Proxy is a recording reverse proxy in front of the rig's server, with
// a certificate from the rig's CA for 127.0.0.1: point a client at
// Proxy.URL instead of Rig.URL to see exactly what it sends, or to make
// the "server" fail a request (Fail).
type Proxy struct {
	URL string
	// Fail, when set, is asked about each request before it is passed on;
	// a non-zero status is answered instead (the server never sees it).
	Fail func(*http.Request) int
	// Drop, when set, is asked about each request: when it says so the
	// request is passed on and the server answers, but the client's
	// connection is closed before that answer reaches it (an outcome
	// the client cannot know).
	Drop func(*http.Request) bool
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []Recorded
}

// Recorded is one request the proxy saw.
type Recorded struct {
	Method      string
	Path        string
	ContentType string
	Parts       []Part // multipart/form-data bodies
	Status      int    // the answer the client got
}

// Part is one part of a multipart body.
type Part struct {
	FormName    string // name= of Content-Disposition
	FileName    string // filename= exactly as sent (not Part.FileName)
	ContentType string
	Body        []byte
}

// StartProxy starts a proxy to the rig; it stops with the test. It
// presents the server's own certificate (valid for 127.0.0.1, any port).
func (r *Rig) StartProxy(t testing.TB) *Proxy {
	t.Helper()
	target, err := url.Parse(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(r.Dir, "notary-server.crt"), filepath.Join(r.Dir, "notary-server.key"))
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: r.pool}}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := p.record(req)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		if p.Fail != nil {
			if code := p.Fail(req); code != 0 {
				http.Error(sw, "failed by the test proxy", code)
				p.add(rec, code)
				return
			}
		}
		if p.Drop != nil && p.Drop(req) {
			kept := httptest.NewRecorder()
			rp.ServeHTTP(kept, req)
			p.add(rec, kept.Code)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		rp.ServeHTTP(sw, req)
		p.add(rec, sw.status)
	}))
	p.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	p.srv.StartTLS()
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// record reads (and puts back) a multipart body's parts.
func (p *Proxy) record(req *http.Request) Recorded {
	rec := Recorded{Method: req.Method, Path: req.URL.Path, ContentType: req.Header.Get("Content-Type")}
	mt, params, err := mime.ParseMediaType(rec.ContentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") || req.Body == nil {
		return rec
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxRecordedBody))
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return rec
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		_, cd, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		data, _ := io.ReadAll(part)
		rec.Parts = append(rec.Parts, Part{
			FormName: cd["name"], FileName: cd["filename"],
			ContentType: part.Header.Get("Content-Type"), Body: data,
		})
	}
	return rec
}

func (p *Proxy) add(rec Recorded, status int) {
	rec.Status = status
	p.mu.Lock()
	p.reqs = append(p.reqs, rec)
	p.mu.Unlock()
}

// Requests returns what the proxy has seen so far.
func (p *Proxy) Requests() []Recorded {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Recorded(nil), p.reqs...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
