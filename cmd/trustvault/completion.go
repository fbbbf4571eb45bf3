package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// Shell completion (cobra's `trustvault completion bash|zsh|fish`)
// completes what the arguments are: key IDs, roles, GUNs, drive mount
// points and archives, never any file name where none belongs. Each
// completion reads only the trust directory (key headers, the metadata
// cache) or the mount table; none asks a token or decrypts anything.

type completeFunc = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

const noFiles = cobra.ShellCompDirectiveNoFileComp

// setCompletion wires completion into every command below root: the
// arguments by what they name, and every flag that takes no file. The
// completion functions are registered only for a completion request
// (a.completing): walking every command's flags is a good part of a
// command's start-up, and only the shell's tab press needs them.
func (a *app) setCompletion(root *cobra.Command) {
	args := map[string]completeFunc{
		"trustvault export":              a.completeKeyIDs(-1),
		"trustvault passwd":              a.completeKeyIDs(1),
		"trustvault yubikey import-root": a.completeKeyIDs(1),
		"trustvault guide":               a.completeGuide,
		"trustvault verify":              completeArchives,
		"trustvault restore":             completeArchives,
		"trustvault drill":               completeArchives,
		"trustvault import":              completeFiles,
	}
	flags := map[string]completeFunc{
		"role":      completeRoles,
		"gun":       a.completeGUNs,
		"to":        a.completeDrives,
		"algorithm": fixed(vault.AlgorithmECDSA, vault.AlgorithmED25519),
		"touch":     fixed("always", "cached"),
		"slot":      fixed("9c", "9e", "9d", "9a"),
		"output":    completeFiles,
		"trust-dir": completeDirs,
	}
	// cobra's own completion command, made now so that its arguments are
	// checked with the same plain sentences as every other command.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = noArgs
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
			for _, shell := range c.Commands() {
				shell.Args = noArgs
			}
		}
	}
	if !a.completing {
		return
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if f, ok := args[c.CommandPath()]; ok {
			c.ValidArgsFunction = f
		} else if c.ValidArgsFunction == nil && c.Name() != "completion" && !strings.HasPrefix(c.Name(), "__") {
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
		for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags()} {
			fs.VisitAll(func(fl *pflag.Flag) {
				if _, done := c.GetFlagCompletionFunc(fl.Name); done || fl.Value.Type() == "bool" {
					return
				}
				f, ok := flags[fl.Name]
				if !ok {
					f = cobra.NoFileCompletions
				}
				_ = c.RegisterFlagCompletionFunc(fl.Name, f)
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func fixed(values ...string) completeFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, noFiles
	}
}

func completeFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveDefault
}

func completeDirs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

// completeArchives offers the files a backup archive can be, and folders.
func completeArchives(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, noFiles
	}
	exts := make([]string, len(archiveExts))
	for i, e := range archiveExts {
		exts[i] = e[strings.LastIndexByte(e, '.')+1:]
	}
	return slices.Compact(exts), cobra.ShellCompDirectiveFilterFileExt
}

// completeKeyIDs offers the IDs of the keys in the store with their role
// and GUN; max is how many arguments are key IDs (-1: any number).
func (a *app) completeKeyIDs(max int) completeFunc {
	return func(_ *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if max >= 0 && len(args) >= max {
			return nil, noFiles
		}
		s, err := a.openStore()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		keys, _ := s.KeysWithPrefix(prefix)
		var out []string
		for _, k := range keys {
			if k.Err != nil || !strings.HasPrefix(k.ID, strings.ToLower(prefix)) || slices.Contains(args, k.ID) {
				continue
			}
			out = append(out, k.ID+"\t"+strings.TrimSpace(orDash(k.Role)+" "+k.GUN))
		}
		return slices.Compact(out), noFiles
	}
}

// completeGuide offers key types, then key IDs.
func (a *app) completeGuide(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, noFiles
	}
	roles, _ := completeRoles(cmd, args, prefix)
	ids, _ := a.completeKeyIDs(1)(cmd, args, prefix)
	return append(append(roles, "delegation"), ids...), noFiles
}

// completeRoles offers the roles a key can have.
func completeRoles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, k := range keyrole.Kinds() {
		if k != keyrole.Delegation {
			out = append(out, k.String())
		}
	}
	return append(out, "targets/"), noFiles | cobra.ShellCompDirectiveNoSpace
}

// completeGUNs offers the repositories of the store: those with cached
// metadata and those named by key headers.
func (a *app) completeGUNs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	s, err := a.openStore()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	keys, _ := s.Keys()
	var out []string
	for _, k := range keys {
		if k.GUN != "" {
			out = append(out, k.GUN)
		}
	}
	repos, _ := vault.ReadRepositories(s.Dir(), keys)
	for _, r := range repos {
		out = append(out, r.GUN)
	}
	slices.Sort(out)
	return slices.Compact(out), noFiles
}

// completeDrives offers the mount points of the drives a backup can go
// to, with their label.
func (a *app) completeDrives(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	dir, err := vault.ResolveDir(a.trustDir)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	d, err := a.drives()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	ds, err := d.List(dir)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []string
	for _, dr := range ds {
		if dr.Eligible {
			out = append(out, dr.Mount+"\t"+dr.Label)
		}
	}
	return out, noFiles
}
