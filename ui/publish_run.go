package ui

// The engine side of the publish page: what was asked for, the plan, and
// the run that publishes it with the page answering the engine's
// questions (a passphrase, a new passphrase, a token's PIN) and showing
// "touch the Yubikey" while the token waits.

import (
	"context"
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/token"
)

// pubAction is what the publish page does.
type pubAction int

const (
	pubSign pubAction = iota
	pubRevoke
	pubAddSigner
	pubRotate
)

func (a pubAction) String() string {
	return [...]string{"sign a tag", "revoke a tag", "add a signer", "rotate a key"}[a]
}

// pubRequest is one change, as the person gave it.
type pubRequest struct {
	action           pubAction
	gun              string
	tag, digest      string
	size             int64
	role             string // sign, revoke: "" as docker picks; rotate: the role
	name             string // add signer
	keys             []publish.KeySource
	rotate           publish.RotateOptions
	guideKeyID, what string // what: the request in words, for the screens
}

func (r pubRequest) plan(ctx context.Context, p *publish.Publisher) (*publish.Plan, error) {
	switch r.action {
	case pubSign:
		return p.PlanSign(ctx, r.gun, r.tag, r.digest, r.size, r.role)
	case pubRevoke:
		return p.PlanRevoke(ctx, r.gun, r.tag, r.role)
	case pubAddSigner:
		return p.PlanAddSigner(ctx, r.gun, r.name, r.keys)
	}
	return p.PlanRotate(ctx, r.gun, r.role, r.rotate)
}

func (r pubRequest) do(ctx context.Context, p *publish.Publisher) (*publish.Result, error) {
	switch r.action {
	case pubSign:
		return p.Sign(ctx, r.gun, r.tag, r.digest, r.size, r.role)
	case pubRevoke:
		return p.Revoke(ctx, r.gun, r.tag, r.role)
	case pubAddSigner:
		return p.AddSigner(ctx, r.gun, r.name, r.keys)
	}
	return p.Rotate(ctx, r.gun, r.role, r.rotate)
}

// publishBlocker says why nothing can be published from the view ("" when
// it can): publishing needs a server the person named.
func publishBlocker(c *common) string {
	const how = "set DOCKER_CONTENT_TRUST_SERVER to the notary server's URL (or remote_server.url in the notary config), then start trustvault again; docker's guess from the registry's name is never used to publish"
	if c.remote == nil {
		return "no notary server is set up for this view: " + how
	}
	if _, err := c.remote.PublishServer(); err != nil {
		return "no notary server is named: " + how
	}
	return ""
}

// pubEnv is what a publish needs from the view, taken on the event loop
// (the root may swap the store while the engine works).
type pubEnv struct {
	store  *vault.Store
	remote *remote.Setup
	tokens TokenLister
}

func (c *common) pubEnv() pubEnv { return pubEnv{store: c.store, remote: c.remote, tokens: c.tokens} }

// publisher builds the engine's publisher (publish.New, as the CLI does)
// with the keys on the tokens as this view reads them.
func (e pubEnv) publisher(pass vault.PassphraseFunc, auth token.Auth) (*publish.Publisher, error) {
	p, err := publish.New(e.store, e.remote, pass, auth)
	if err != nil {
		return nil, err
	}
	p.Tokens = []token.Key{}
	if e.tokens != nil {
		if _, keys, err := e.tokens(); err == nil || keys != nil {
			p.Tokens = append(p.Tokens, keys...)
		}
	}
	return p, nil
}

// errPlanAsked: a plan asked for a secret, which it never should.
var errPlanAsked = errors.New("working out the change asked for a key's secret; nothing was published")

// Results of the engine calls.
type (
	pubPlannedMsg struct {
		plan *publish.Plan
		err  error
	}
	pubTagsMsg struct{ tags []remote.SignedTag }
	pubDoneMsg struct {
		res *publish.Result
		err error
	}
)

// planPublishCmd works out what the request would publish and which keys
// would sign, unlocking nothing.
func planPublishCmd(c *common, req pubRequest) tea.Cmd {
	env := c.pubEnv()
	return func() tea.Msg {
		refuse := func(vault.PassphraseRequest) ([]byte, error) { return nil, errPlanAsked }
		p, err := env.publisher(refuse, token.Auth{PIN: func(vault.TokenRef) ([]byte, error) { return nil, errPlanAsked }})
		if err != nil {
			return pubPlannedMsg{err: err}
		}
		plan, err := req.plan(context.Background(), p)
		return pubPlannedMsg{plan: plan, err: err}
	}
}

// signedTagsCmd reads the signed tags from the verified cache, as
// `trustvault inspect --offline` sees them (none when nothing verifies).
func signedTagsCmd(c *common, gun string) tea.Cmd {
	if c.remote == nil {
		return nil
	}
	o := c.remote.Options(gun, false, c.snap.now)
	return func() tea.Msg {
		info, _, err := remote.Inspect(context.Background(), o, gun, true)
		if err != nil {
			return pubTagsMsg{}
		}
		return pubTagsMsg{tags: info.SignedTags}
	}
}

// publishRun is one publish in a goroutine of its own, connected to the
// event loop as the harden page's run is (hardenRun: events, and answers
// the engine waits for); touches come through a touchSignal, as on the
// Yubikey page, since the engine's Touch must not block.
type publishRun struct {
	*hardenRun
	touch *touchSignal
	// given are passphrases given in this run, by key ID: a key asked for
	// again (a signer's key read, then signing) is answered from here.
	given map[string][]byte
}

// pubAskedMsg: the engine waits for a passphrase (req), a new passphrase
// (req.New) or a token's PIN (pin set).
type pubAskedMsg struct {
	req    vault.PassphraseRequest
	pin    *vault.TokenRef
	answer chan<- hardenAnswer
}

// startPublish publishes req; its events come through wait.
func startPublish(c *common, req pubRequest) *publishRun {
	r := &publishRun{hardenRun: &hardenRun{events: make(chan tea.Msg), done: make(chan struct{})},
		touch: newTouchSignal(), given: map[string][]byte{}}
	env := c.pubEnv()
	go func() {
		defer r.touch.close()
		defer r.forget()
		auth := token.Auth{PIN: r.askPIN, Touch: func(vault.TokenRef) { r.touch.notify() }}
		p, err := env.publisher(r.askPass, auth)
		if err != nil {
			r.send(pubDoneMsg{err: err})
			return
		}
		res, err := req.do(context.Background(), p)
		r.send(pubDoneMsg{res: res, err: err})
	}()
	return r
}

// ask hands a question to the page and waits for its answer.
func (r *publishRun) ask(q pubAskedMsg) ([]byte, error) {
	return r.question(func(answer chan<- hardenAnswer) tea.Msg { q.answer = answer; return q })
}

// askPass is the engine's passphrase callback.
func (r *publishRun) askPass(req vault.PassphraseRequest) ([]byte, error) {
	if p, ok := r.given[req.KeyID]; ok && req.Attempt == 1 && !req.New {
		return append([]byte(nil), p...), nil
	}
	pass, err := r.ask(pubAskedMsg{req: req})
	if err == nil && !req.New {
		zero(r.given[req.KeyID])
		r.given[req.KeyID] = append([]byte(nil), pass...)
	}
	return pass, err
}

// askPIN is the token's PIN callback.
func (r *publishRun) askPIN(ref vault.TokenRef) ([]byte, error) {
	return r.ask(pubAskedMsg{pin: &ref})
}

// next waits for the run's next event: a question, the end, or the
// token waiting for a touch. One wait at a time, and none while the
// engine waits for the person.
func (r *publishRun) next() tea.Cmd {
	return func() tea.Msg {
		select {
		case msg := <-r.events:
			return msg
		case _, ok := <-r.touch.ch:
			if ok {
				return touchRequestedMsg{sig: r.touch}
			}
		case <-r.done:
			return nil
		}
		return r.wait()() // the touches are over: the end comes next
	}
}

// forget zeroes the passphrases the run holds, on the run's goroutine
// when the engine is done.
func (r *publishRun) forget() {
	for id, p := range r.given {
		zero(p)
		delete(r.given, id)
	}
}

// publishErrorText is the engine's error for the page: the PublishError's
// own words (what was not published, what is unchanged), and for other
// failures that nothing was sent.
func publishErrorText(err error) string {
	var pe *publish.PublishError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	msg := err.Error()
	if !strings.Contains(msg, "nothing was published") {
		msg += "; nothing was published, the metadata cache and the key store are unchanged"
	}
	return msg
}
