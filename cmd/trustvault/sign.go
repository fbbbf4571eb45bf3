package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/publish"
)

func (a *app) signCmd() *cobra.Command {
	var (
		sf     serverFlags
		digest string
		size   int64
		role   string
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "sign GUN:TAG --digest DIGEST --size N",
		Short: "Sign a tag (a target with its sha256 digest and size) and publish it",
		Long: `sign adds or replaces a signed tag, as docker trust sign does for an image
already pushed (notary add GUN TAG FILE --publish): DIGEST is the manifest's
sha256 (hex, with or without "sha256:"), N its size in bytes. Without --role
it picks roles as docker does: targets when the repository has no
delegations, else every direct delegation whose key is here.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			gun, tag, err := splitTag(args[0])
			if err != nil {
				return err
			}
			if _, err := publish.Target(digest, size); err != nil {
				return fmt.Errorf("sign %s: --digest/--size: %w", args[0], err)
			}
			p, err := a.publisher(&sf)
			if err != nil {
				return failAtomic("sign "+args[0], err)
			}
			if dryRun {
				pl, err := p.PlanSign(context.Background(), gun, tag, digest, size, role)
				return a.planned("sign "+args[0], pl, err)
			}
			res, err := p.Sign(context.Background(), gun, tag, digest, size, role)
			return a.published("sign "+args[0], res, err)
		},
	}
	sf.add(cmd, true)
	cmd.Flags().StringVar(&digest, "digest", "", "the manifest's sha256 digest")
	cmd.Flags().Int64Var(&size, "size", 0, "the manifest's size in bytes")
	cmd.Flags().StringVar(&role, "role", "", "the role to sign in (targets or targets/NAME; default: as docker trust sign)")
	addDryRun(cmd, &dryRun)
	return cmd
}

func (a *app) revokeCmd() *cobra.Command {
	var (
		sf     serverFlags
		role   string
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "revoke GUN:TAG",
		Short: "Remove a signed tag and publish it",
		Long: `revoke removes a signed tag, as docker trust revoke IMAGE:TAG does (notary
remove GUN TAG --publish): from --role, else from every role here that
signed it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			gun, tag, err := splitTag(args[0])
			if err != nil {
				return err
			}
			p, err := a.publisher(&sf)
			if err != nil {
				return failAtomic("revoke "+args[0], err)
			}
			if dryRun {
				pl, err := p.PlanRevoke(context.Background(), gun, tag, role)
				return a.planned("revoke "+args[0], pl, err)
			}
			res, err := p.Revoke(context.Background(), gun, tag, role)
			return a.published("revoke "+args[0], res, err)
		},
	}
	sf.add(cmd, true)
	cmd.Flags().StringVar(&role, "role", "", "the role to remove the tag from (targets or targets/NAME)")
	addDryRun(cmd, &dryRun)
	return cmd
}
