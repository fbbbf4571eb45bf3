package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/publish"
)

func (a *app) delegationCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delegation",
		Short: "Add or remove a delegation role of a repository on the notary server",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(a.delegationAddCmd(), a.delegationRemoveCmd())
	return cmd
}

func (a *app) delegationAddCmd() *cobra.Command {
	var (
		sf        signFlags
		keys      []string
		paths     []string
		threshold int
	)
	cmd := &cobra.Command{
		Use:   "add GUN ROLE --key ID|FILE.pem|FILE.crt",
		Short: "Add a delegation role, or keys and paths to one",
		Long: `delegation add adds ROLE (targets/NAME) with the given keys, or adds keys
and paths to it, as notary delegation add GUN ROLE FILE.crt --publish does.
--key is a key ID (of a key file here or on a Yubikey) or a file holding a
PEM certificate or PEM public key; repeat it for more keys. Without --paths
the role may sign every tag.`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			op := "delegation add " + args[0] + " " + args[1]
			p, err := a.signingPublisher(&sf, args[0], publish.CheckDelegation(args[1]), publish.CheckKeys(keySources(keys)))
			if err != nil {
				return failAtomic(op, err)
			}
			c := publish.DelegationChange{Keys: keySources(keys), Paths: paths, Threshold: threshold}
			res, err := p.AddDelegation(context.Background(), args[0], args[1], c)
			return a.published(op, res, err)
		},
	}
	sf.add(cmd)
	cmd.Flags().StringArrayVar(&keys, "key", nil, "a key: ID, or a .pem/.crt/.pub file (repeatable)")
	cmd.Flags().StringSliceVar(&paths, "paths", nil, "path prefixes the role may sign (default: all)")
	cmd.Flags().IntVar(&threshold, "threshold", 0, "signatures the role needs (default 1)")
	return cmd
}

func (a *app) delegationRemoveCmd() *cobra.Command {
	var (
		sf   signFlags
		keys []string
	)
	cmd := &cobra.Command{
		Use:   "remove GUN ROLE [--key ID]",
		Short: "Remove keys from a delegation role, or the role",
		Long: `delegation remove removes the given keys from ROLE; without --key, or when
no key is left, it removes the role, as notary delegation remove does.`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			op := "delegation remove " + args[0] + " " + args[1]
			p, err := a.signingPublisher(&sf, args[0], publish.CheckDelegation(args[1]), publish.CheckKeyIDs(keys))
			if err != nil {
				return failAtomic(op, err)
			}
			res, err := p.RemoveDelegation(context.Background(), args[0], args[1], keys)
			return a.published(op, res, err)
		},
	}
	sf.add(cmd)
	cmd.Flags().StringArrayVar(&keys, "key", nil, "a key ID to remove (repeatable)")
	return cmd
}

func (a *app) signerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "signer",
		Short: "Add or remove a signer, as docker trust signer does",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(a.signerAddCmd(), a.signerRemoveCmd())
	return cmd
}

func (a *app) signerAddCmd() *cobra.Command {
	var (
		sf     signFlags
		keys   []string
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "add NAME GUN --key ID|FILE",
		Short: "Add a signer: its keys go into targets/releases and targets/NAME",
		Long: `signer add adds NAME's keys to targets/releases and targets/NAME, as
docker trust signer add --key FILE NAME IMAGE does. --key is a key ID (a key
file here or on a Yubikey) or a PEM public key or certificate file.`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			op := "signer add " + args[0] + " " + args[1]
			if len(keys) == 0 {
				return usage("%s", op+": give the signer's key with --key ID|FILE")
			}
			p, err := a.signingPublisher(&sf, args[1], publish.CheckSignerName(args[0]), publish.CheckKeys(keySources(keys)))
			if err != nil {
				return failAtomic(op, err)
			}
			if dryRun {
				pl, err := p.PlanAddSigner(context.Background(), args[1], args[0], keySources(keys))
				return a.planned(op, pl, err)
			}
			res, err := p.AddSigner(context.Background(), args[1], args[0], keySources(keys))
			return a.published(op, res, err)
		},
	}
	sf.add(cmd)
	cmd.Flags().StringArrayVar(&keys, "key", nil, "the signer's key: ID, or a .pem/.crt/.pub file (repeatable)")
	addDryRun(cmd, &dryRun)
	return cmd
}

func (a *app) signerRemoveCmd() *cobra.Command {
	var (
		sf    signFlags
		force bool
	)
	cmd := &cobra.Command{
		Use:   "remove NAME GUN",
		Short: "Remove a signer, as docker trust signer remove does",
		Long: `signer remove removes targets/NAME and takes NAME's keys out of
targets/releases unless another signer has them. Removing the last key of
targets/releases hides the tags it signed: that needs --force.`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			op := "signer remove " + args[0] + " " + args[1]
			p, err := a.signingPublisher(&sf, args[1], publish.CheckSignerName(args[0]))
			if err != nil {
				return failAtomic(op, err)
			}
			res, err := p.RemoveSigner(context.Background(), args[1], args[0], force)
			return a.published(op, res, err)
		},
	}
	sf.add(cmd)
	cmd.Flags().BoolVar(&force, "force", false, "remove the last key of targets/releases too")
	return cmd
}
