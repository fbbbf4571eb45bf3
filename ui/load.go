package ui

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/token"
)

// vaultLoadedMsg carries a new reading of the trust directory.
type vaultLoadedMsg struct {
	store *vault.Store
	snap  *snapshot
}

// vaultFailedMsg means there is no trust directory to read: the store
// could not be opened or prepared.
type vaultFailedMsg struct{ err error }

// loadVaultCmd lists the key files and reads the repositories' metadata
// (and the tokens, when tokens is set). Failures inside the directory (an
// unreadable file, a corrupt metadata file) are part of the snapshot; the
// pages show them.
func loadVaultCmd(store *vault.Store, now func() time.Time, tokens TokenLister) tea.Cmd {
	return func() tea.Msg {
		return vaultLoadedMsg{store: store, snap: readSnapshotTokens(store, now(), tokens)}
	}
}

// readSnapshot does the reading for loadVaultCmd, without tokens.
func readSnapshot(store *vault.Store, now time.Time) *snapshot {
	return readSnapshotTokens(store, now, nil)
}

// readSnapshotTokens is readSnapshot with the tokens read beside the
// files: a key on a token is located there (the token wins over a file).
func readSnapshotTokens(store *vault.Store, now time.Time, tokens TokenLister) *snapshot {
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
	snap.setHealth(health.DiagnoseLean(health.Input{
		Now: now, Keys: keys, KeysErr: keysErr, Repos: repos, ReposErr: reposErr,
		Private: store.PrivateDirInfo(), Backups: backups, BackupsErr: backupsErr,
		Tokens: tr.keys,
	}))
	return snap
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
