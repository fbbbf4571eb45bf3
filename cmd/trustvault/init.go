package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/publish"
)

func (a *app) initCmd() *cobra.Command {
	var (
		sf            signFlags
		rootKey       string
		localSnapshot bool
		onToken       string
	)
	cmd := &cobra.Command{
		Use:   "init GUN",
		Short: "Create a repository's trust data on the notary server",
		Long: `init creates GUN's trust data on the notary server, as docker's first
signed push does (notary init GUN --publish): the root key found here (on a
plugged-in Yubikey first, then a key file) or a new one, a new targets key,
the snapshot key held by the server (--local-snapshot keeps it here). It
publishes everything in one request, then pulls and verifies it.

With no root key here and a Yubikey plugged in, the new root key is made in
software and imported to the Yubikey, its encrypted file kept as the backup
(as notary does). --root-on-token generate makes it on the Yubikey instead:
it never leaves the token and has NO backup. --root-on-token no keeps it in
a file even with a Yubikey plugged in.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			o := publish.InitOptions{RootKeyID: rootKey, LocalSnapshot: localSnapshot}
			switch onToken {
			case "":
				o.NewRoot = publish.NewRootAuto
			case "import":
				o.NewRoot = publish.NewRootTokenImport
			case "generate":
				o.NewRoot = publish.NewRootTokenGenerate
			case "no":
				o.NewRoot = publish.NewRootFile
			default:
				return fmt.Errorf("--root-on-token %.40q: use generate, import or no", onToken)
			}
			p, err := a.signingPublisher(&sf, args[0])
			if err != nil {
				return failAtomic("init "+args[0], err)
			}
			res, err := p.Init(context.Background(), args[0], o)
			return a.published("init "+args[0], res, err)
		},
	}
	sf.add(cmd)
	cmd.Flags().StringVar(&rootKey, "root-key", "", "the root key to use, by ID (default: the one found here, else a new one)")
	cmd.Flags().BoolVar(&localSnapshot, "local-snapshot", false, "keep the snapshot key here instead of on the server")
	cmd.Flags().StringVar(&onToken, "root-on-token", "", "a new root key: import (made here, imported, file kept as backup), generate (on the Yubikey, no backup) or no (a file)")
	return cmd
}
