package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/tuf"
)

type inspectFlags struct {
	sf      serverFlags
	asJSON  bool
	offline bool
	archive string
	digest  string
}

func (a *app) inspectCmd() *cobra.Command {
	var f inspectFlags
	cmd := &cobra.Command{
		Use:   "inspect GUN[:TAG]... [--json] [--offline] [--archive FILE] [--digest DIGEST] [--at DATE]",
		Short: "Show signed tags, their digests and signers, and the repository's keys, verified",
		Long: `inspect shows what docker trust inspect shows, verified: the signed tags
(of targets and targets/releases) with their digests and signers, the
signers (delegations) and their keys, and the root and repository keys.

By default it pulls from the notary server first (as pull does, updating
the cache). --offline verifies the cache instead, and --archive FILE a trust
archive (trustvault archive) or a trustvault backup; with --archive and no
names it shows every repository the archive holds. Offline, the server is
not asked: the output says which time expiry was checked at and whether
the server's word is still fresh. Metadata that has expired fails unless
--at DATE checks it as of an earlier time, to show what was signed then.

--json prints exactly what docker trust inspect prints (an array of
{Name, SignedTags: [{SignedTag, Digest, Signers}], Signers: [{Name, Keys:
[{ID}]}], AdministrativeKeys: [{Name, Keys}]}), so scripts written for it
keep working; notes go to standard error.

--digest DIGEST (sha256:<hex>) checks one GUN:TAG: exit status 0 when the
tag's verified digest (the one docker pull would take) is DIGEST, 1 when it
is another or the tag is not signed, 2 when it cannot tell (the trust data
did not verify, the server could not be reached, or bad arguments).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runInspect(cmd.Context(), f, args)
		},
	}
	f.sf.add(cmd, true)
	f.sf.addAt(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&f.asJSON, "json", false, "print docker trust inspect's JSON")
	fl.BoolVar(&f.offline, "offline", false, "verify the cached metadata; do not ask the server")
	fl.StringVar(&f.archive, "archive", "", "verify the metadata in the trust archive `FILE` (or a backup)")
	fl.StringVar(&f.digest, "digest", "", "exit 0 when GUN:TAG's verified digest is `DIGEST`, 1 when not, 2 when it cannot tell")
	return cmd
}

// checkInspectArgs refuses combinations that cannot mean anything.
func checkInspectArgs(f inspectFlags, args []string) error {
	offline := f.offline || f.archive != ""
	switch {
	case len(args) == 0 && f.archive == "":
		return errors.New("give a repository: inspect GUN[:TAG]... (or --archive FILE)")
	case f.sf.at != "" && !offline:
		return errors.New("--at checks expiry as of another time, offline only: add --offline or --archive FILE")
	case f.archive != "" && (f.sf.server != "" || f.sf.caFile != ""):
		return errors.New("--archive is read offline: --server and --tlscacert do not apply")
	}
	if f.digest != "" {
		if _, err := parseDigest(f.digest); err != nil {
			return err
		}
		if len(args) != 1 {
			return errors.New("--digest checks one GUN:TAG: give exactly one")
		}
		if _, tag := splitName(args[0]); tag == "" {
			return fmt.Errorf("--digest needs a tag: give %s:TAG", args[0])
		}
	}
	if err := checkServer(f.sf); err != nil {
		return err
	}
	return checkNames(args, true)
}

// verified is one name's verified trust data.
type verified struct {
	name   string
	info   remote.TrustInspect
	repo   *tuf.Repo
	source string // "from URL", "offline from the cache DIR", …
	online bool
}

func (a *app) runInspect(ctx context.Context, f inspectFlags, args []string) error {
	if err := checkInspectArgs(f, args); err != nil {
		return err
	}
	rs, err := a.remoteSetup(f.sf)
	if err != nil {
		return a.inspectFailed(f, err)
	}
	var ta *vault.TrustArchive
	if f.archive != "" {
		if ta, err = vault.ReadTrustArchive(f.archive, a.archivePassphrase(f.archive)); err != nil {
			return a.inspectFailed(f, fail("inspect", err))
		}
		if len(args) == 0 {
			args = ta.GUNs()
		}
	}
	var results []verified
	failed := 0
	pulled := map[string]verified{} // one pull per GUN
	for _, name := range args {
		v, err := a.verifyName(ctx, rs, f, ta, name, pulled)
		if err != nil {
			failed++
			fmt.Fprintln(a.stderr, "trustvault: "+(&opError{op: "inspect " + name, err: err}).explain(a))
			continue
		}
		results = append(results, v)
	}
	if f.digest != "" {
		if failed > 0 {
			return &exitStatus{code: exitUsage}
		}
		return a.checkDigest(f, results[0], rs.At != time.Time{})
	}
	if err := a.writeInspect(f, results, rs.At != time.Time{}); err != nil {
		return err
	}
	if failed > 0 {
		return &exitStatus{code: exitFailure}
	}
	return nil
}

// inspectFailed prints err and exits 2 under --digest (it cannot tell),
// 1 otherwise.
func (a *app) inspectFailed(f inspectFlags, err error) error {
	var op *opError
	if f.digest == "" || !errors.As(err, &op) {
		return err
	}
	fmt.Fprintln(a.stderr, "trustvault: "+op.explain(a))
	return &exitStatus{code: exitUsage}
}

// verifyName verifies name's repository from the server, the cache or the
// archive.
func (a *app) verifyName(ctx context.Context, rs *remote.Setup, f inspectFlags, ta *vault.TrustArchive, name string, pulled map[string]verified) (verified, error) {
	gun, _ := splitName(name)
	if v, ok := pulled[gun]; ok {
		v.name, v.info = name, remote.InspectRepo(name, v.repo)
		return v, nil
	}
	if ta != nil {
		b, ok := ta.Bundle(gun)
		if !ok {
			return verified{}, fmt.Errorf("%s holds no trust data for %s; it holds %s", f.archive, gun, strings.Join(ta.GUNs(), ", "))
		}
		at := rs.At
		if at.IsZero() {
			at = clock()
		}
		repo, err := remote.VerifyBundle(gun, b.Files, rs.Pinning(), at)
		if err != nil {
			return verified{}, expiredHint(fmt.Errorf("%s in %s: %w", gun, f.archive, err))
		}
		return verified{name: name, info: remote.InspectRepo(name, repo), repo: repo, source: "offline from the archive " + f.archive}, nil
	}
	online := !f.offline
	o := rs.Options(gun, online, clock())
	info, repo, err := remote.Inspect(ctx, o, name, !online)
	if err != nil {
		return verified{}, expiredHint(remote.HubGone(err, clock()))
	}
	source := "offline from the cache " + remote.MetadataDir(rs.TrustDir, gun)
	if online {
		source = "from " + o.Server
	}
	v := verified{name: name, info: info, repo: repo, source: source, online: online}
	pulled[gun] = v
	return v, nil
}

// writeInspect prints the results: docker's JSON, or tables.
func (a *app) writeInspect(f inspectFlags, results []verified, atGiven bool) error {
	now := clock()
	if f.asJSON {
		for _, v := range results {
			if !v.online {
				fmt.Fprintf(a.stderr, "trustvault: note: %s: %s\n", v.name, freshness(v.source, v.repo, atGiven, false, now))
			}
		}
		infos := make([]remote.TrustInspect, len(results))
		for i, v := range results {
			infos[i] = v.info
		}
		data, err := dockerInspectJSON(infos)
		if err != nil {
			return err
		}
		_, err = a.stdout.Write(data)
		return err
	}
	var b bytes.Buffer
	for i, v := range results {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s\n", freshness(v.source, v.repo, atGiven, v.online, now))
		writePretty(&b, v.info)
	}
	_, err := a.stdout.Write(b.Bytes())
	return err
}

// dockerInspectJSON formats as docker trust inspect does: each element
// marshalled, joined into an array, indented with four spaces, a newline
// after; "[]" when there is none.
func dockerInspectJSON(infos []remote.TrustInspect) ([]byte, error) {
	if len(infos) == 0 {
		return []byte("[]\n"), nil
	}
	var raw bytes.Buffer
	raw.WriteString("[")
	for i, info := range infos {
		data, err := json.Marshal(info)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			raw.WriteString(",")
		}
		raw.Write(data)
	}
	raw.WriteString("]")
	var out bytes.Buffer
	if err := json.Indent(&out, raw.Bytes(), "", "    "); err != nil {
		return nil, err
	}
	out.WriteString("\n")
	return out.Bytes(), nil
}

// writePretty prints one repository as tables, as docker trust inspect
// --pretty does.
func writePretty(w io.Writer, info remote.TrustInspect) {
	gun, _ := splitName(info.Name)
	if len(info.SignedTags) == 0 {
		fmt.Fprintf(w, "\nNo signatures for %s\n", info.Name)
	} else {
		fmt.Fprintf(w, "\nSignatures for %s\n\n", info.Name)
		tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
		fmt.Fprintln(tw, "SIGNED TAG\tDIGEST\tSIGNERS")
		for _, t := range info.SignedTags {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", cell(t.SignedTag), cell(t.Digest), cell(strings.Join(t.Signers, ", ")))
		}
		tw.Flush()
	}
	if len(info.Signers) == 0 {
		fmt.Fprintf(w, "\nNo signers for %s\n", gun)
	} else {
		fmt.Fprintf(w, "\nList of signers and their keys for %s\n\n", gun)
		tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
		fmt.Fprintln(tw, "SIGNER\tKEYS")
		for _, s := range info.Signers {
			fmt.Fprintf(tw, "%s\t%s\n", cell(s.Name), cell(keyList(s.Keys)))
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\nAdministrative keys for %s\n\n", gun)
	for _, k := range info.AdministrativeKeys {
		fmt.Fprintf(w, "  %s Key:\t%s\n", cell(k.Name), cell(keyList(k.Keys)))
	}
}

func keyList(keys []remote.KeyRef) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return remote.ShortIDs(ids)
}

// checkDigest compares GUN:TAG's verified digest with --digest: the digest
// docker pull takes (targets/releases first, then targets).
func (a *app) checkDigest(f inspectFlags, v verified, atGiven bool) error {
	want, _ := parseDigest(f.digest)
	_, tag := splitName(v.name)
	note := freshness(v.source, v.repo, atGiven, v.online, clock())
	out := a.stdout
	if f.asJSON {
		if data, err := dockerInspectJSON([]remote.TrustInspect{v.info}); err == nil {
			a.stdout.Write(data)
		}
		out = a.stderr
	}
	fmt.Fprintln(out, note)
	ref, ok := remote.PullTarget(v.repo, tag)
	if !ok {
		fmt.Fprintf(out, "%s is not signed: no verified digest to match sha256:%s\n", v.name, want)
		return &exitStatus{code: exitFailure}
	}
	got := hex.EncodeToString(ref.Meta.Hashes["sha256"])
	if got != want {
		fmt.Fprintf(out, "%s is signed with sha256:%s (by %s), not sha256:%s\n", v.name, got, ref.Role.Name, want)
		return &exitStatus{code: exitFailure}
	}
	fmt.Fprintf(out, "%s is signed with sha256:%s (by %s)\n", v.name, got, ref.Role.Name)
	return nil
}
