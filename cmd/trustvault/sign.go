package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote"
)

func (a *app) signCmd() *cobra.Command {
	var (
		sf     signFlags
		digest string
		size   int64
		role   string
		reg    registryFlags
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "sign GUN:TAG [--digest DIGEST --size N]",
		Short: "Sign a tag (a target with its sha256 digest and size) and publish it",
		Long: `sign adds or replaces a signed tag, as docker trust sign does for an image
already pushed (notary add GUN TAG FILE --publish): DIGEST is the manifest's
sha256 (hex, with or without "sha256:"), N its size in bytes. Without --role
it picks roles as docker does: targets when the repository has no
delegations, else every direct delegation whose key is here.

Without --digest and --size, the manifest TAG names is read from the image's
registry (https://HOST of the GUN, Docker Hub's for docker.io; --registry
URL to name another), with the credentials of ~/.docker/config.json, and
its sha256 and size are signed: what docker trust sign signed after a push.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			gun, tag, err := splitTag(args[0])
			if err != nil {
				return err
			}
			if (digest == "") != (size == 0) {
				return fmt.Errorf("sign %s: give both --digest and --size, or neither to read them from the registry", args[0])
			}
			if digest == "" {
				m, err := a.registryManifest(sf.serverFlags, reg, gun, tag)
				if err != nil {
					return failAtomic("sign "+args[0], err)
				}
				digest, size = m.Digest, m.Size
			}
			if _, err := publish.Target(digest, size); err != nil {
				return fmt.Errorf("sign %s: --digest/--size: %w", args[0], err)
			}
			p, err := a.signingPublisher(&sf, gun, publish.CheckSignRole(role))
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
	sf.add(cmd)
	cmd.Flags().StringVar(&digest, "digest", "", "the manifest's sha256 digest")
	cmd.Flags().Int64Var(&size, "size", 0, "the manifest's size in bytes")
	cmd.Flags().StringVar(&role, "role", "", "the role to sign in (targets or targets/NAME; default: as docker trust sign)")
	reg.add(cmd)
	addDryRun(cmd, &dryRun)
	return cmd
}

// registryFlags say how to reach an image's registry.
type registryFlags struct {
	url, caFile string
}

func (f *registryFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.url, "registry", "", "read the manifest from the registry at `URL` (default https://HOST of the GUN; Docker Hub's for docker.io)")
	cmd.Flags().StringVar(&f.caFile, "registry-cacert", "", "trust the registry's certificate by the CAs in `FILE` (PEM)")
}

// registryManifest reads the manifest gun:tag names from its registry and
// says what will be signed.
func (a *app) registryManifest(sf serverFlags, reg registryFlags, gun, tag string) (*remote.Manifest, error) {
	rs, err := a.remoteSetup(sf)
	if err != nil {
		return nil, err
	}
	o := rs.Options(gun, false, clock())
	o.CAFile = reg.caFile
	m, err := remote.ManifestOf(context.Background(), o, reg.url, tag)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(a.stdout, "%s:%s in %s is sha256:%s (%d bytes, %s): signing that\n", gun, tag, m.Registry, m.Digest, m.Size, m.MediaType)
	return m, nil
}

func (a *app) revokeCmd() *cobra.Command {
	var (
		sf     signFlags
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
			p, err := a.signingPublisher(&sf, gun, publish.CheckSignRole(role))
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
	sf.add(cmd)
	cmd.Flags().StringVar(&role, "role", "", "the role to remove the tag from (targets or targets/NAME)")
	addDryRun(cmd, &dryRun)
	return cmd
}
