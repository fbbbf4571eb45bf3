package ui

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/gcpace"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/token"
)

// vaultLoadedMsg carries a new reading of the trust directory. Its health
// findings come after it: check runs the health checks on the reading, off
// the event loop, and returns a healthCheckedMsg. Until then the snapshot
// says that health is being checked (counts.checked).
type vaultLoadedMsg struct {
	store *vault.Store
	snap  *snapshot
	check tea.Cmd
}

// healthCheckedMsg carries base, a reading, with its health findings as
// snap.
type healthCheckedMsg struct{ base, snap *snapshot }

// vaultFailedMsg means there is no trust directory to read: the store
// could not be opened or prepared.
type vaultFailedMsg struct{ err error }

// loadVaultCmd lists the key files and reads the repositories' metadata
// (and the tokens, when tokens is set). Failures inside the directory (an
// unreadable file, a corrupt metadata file) are part of the snapshot; the
// pages show them. The keys reach the screen before the health checks,
// which take about half as long again at 100,000 keys.
func loadVaultCmd(store *vault.Store, now func() time.Time, tokens TokenLister) tea.Cmd {
	return func() tea.Msg {
		defer lowerGC()()
		snap, in := readStore(store, now(), tokens)
		return vaultLoadedMsg{store: store, snap: snap, check: checkHealthCmd(snap, in)}
	}
}

// checkHealthCmd runs the health checks on a reading.
func checkHealthCmd(base *snapshot, in health.Input) tea.Cmd {
	return func() tea.Msg {
		defer lowerGC()()
		return healthCheckedMsg{base: base, snap: base.withHealth(health.DiagnoseLean(in))}
	}
}

// lowerGC paces the garbage collector while a reading or its health
// checks run (gcpace): reading 100,000 key files makes many times more
// garbage than stays, and the default GOGC of 100 let the heap grow to
// twice what stays (the view passed 200 MiB); a small store is read
// without a collection every few hundred keys. It returns what puts the
// old pace back.
func lowerGC() (restore func()) { return gcpace.Start() }

// readSnapshot does the reading for loadVaultCmd, without tokens, health
// checks included.
func readSnapshot(store *vault.Store, now time.Time) *snapshot {
	return readSnapshotTokens(store, now, nil)
}

// readSnapshotTokens is readSnapshot with the tokens read beside the
// files: a key on a token is located there (the token wins over a file).
func readSnapshotTokens(store *vault.Store, now time.Time, tokens TokenLister) *snapshot {
	snap, in := readStore(store, now, tokens)
	snap.setHealth(health.DiagnoseLean(in))
	return snap
}

// readStore reads the trust directory into a snapshot without health
// findings, and returns what the health checks need beside it.
func readStore(store *vault.Store, now time.Time, tokens TokenLister) (*snapshot, health.Input) {
	dir := store.Dir()
	reading := readTokensAsync(tokens)
	_, statErr := os.Stat(dir)
	absent := errors.Is(statErr, fs.ErrNotExist)
	keys, keysErr := store.Keys()
	tr := <-reading
	repos, reposErr := vault.ReadRepositories(dir, token.Locate(keys, tr.keys))
	snap := newSnapshot(dir, now, absent, keys, repos, keysErr, reposErr)
	snap.tokens = tr
	backups, backupsErr := store.BackupLedger().BackupRecords()
	snap.setBackups(backups, backupsErr)
	return snap, health.Input{
		Now: now, Keys: keys, KeysErr: keysErr, Repos: repos, ReposErr: reposErr,
		Private: store.PrivateDirInfo(), Backups: backups, BackupsErr: backupsErr,
		Tokens: tr.keys,
	}
}

// prepareVaultCmd runs Options.Prepare (generating the demo vault, say)
// behind the first frame, then loads what it made.
func prepareVaultCmd(ctx context.Context, prepare func(context.Context) (*vault.Store, error), now func() time.Time, tokens TokenLister) tea.Cmd {
	return func() tea.Msg {
		store, err := prepare(ctx)
		if err != nil {
			return vaultFailedMsg{err: err}
		}
		return loadVaultCmd(store, now, tokens)()
	}
}
