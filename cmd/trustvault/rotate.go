package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/publish"
)

func (a *app) rotateCmd() *cobra.Command {
	var (
		sf            signFlags
		serverManaged bool
		keyID         string
		dryRun        bool
	)
	cmd := &cobra.Command{
		Use:   "rotate GUN ROLE",
		Short: "Replace a role's key and publish it (the recovery for a lost key)",
		Long: `rotate replaces ROLE's key, as notary key rotate GUN ROLE does: root (the new
root.json is signed by the old AND the new root key, so clients that trusted
the old one accept it), targets and snapshot (root signs), timestamp (on the
server), or a delegation targets/NAME (its parent signs). This is how a lost
targets, snapshot or delegation key is recovered: the root (or parent) key
signs, wherever it is (file or Yubikey).

--server-managed puts the snapshot (or timestamp) key on the server, as
notary key rotate GUN snapshot -r. --key rotates to an existing key (by ID);
else a new key is made here.`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			op := "rotate " + args[0] + " " + args[1]
			o := publish.RotateOptions{ServerManaged: serverManaged, KeyID: keyID}
			p, err := a.signingPublisher(&sf, args[0], publish.CheckRotation(args[1], o))
			if err != nil {
				return failAtomic(op, err)
			}
			if dryRun {
				pl, err := p.PlanRotate(context.Background(), args[0], args[1], o)
				return a.planned(op, pl, err)
			}
			res, err := p.Rotate(context.Background(), args[0], args[1], o)
			return a.published(op, res, err)
		},
	}
	sf.add(cmd)
	cmd.Flags().BoolVar(&serverManaged, "server-managed", false, "let the server hold the new key (snapshot, timestamp)")
	cmd.Flags().StringVar(&keyID, "key", "", "rotate to this existing key (ID) instead of a new one")
	addDryRun(cmd, &dryRun)
	return cmd
}
