package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// Start-up: shell completion runs the binary on every tab press and
// scripts call it in loops, so a run builds only what it uses. Building
// every command (their flags, help texts and defaults) was a good part of a
// short command's time; a run that names its command builds that one.

// subcommand is a command below root, by the name it is called with.
type subcommand struct {
	name  string
	build func() *cobra.Command
}

// addCommands adds the commands to root: only the one this run invokes
// when it names one of them, every one otherwise (help, completion, an
// unknown name that wants suggestions, the interactive view).
func (a *app) addCommands(root *cobra.Command, cmds []subcommand) {
	if a.invoked != "" {
		for _, c := range cmds {
			if c.name == a.invoked {
				root.AddCommand(c.build())
				return
			}
		}
	}
	for _, c := range cmds {
		root.AddCommand(c.build())
	}
}

// invokedCommand is the command name args start with, after the global
// flags; "" when args name none, or hold a flag before it that only the
// whole tree can place.
func invokedCommand(args []string) string {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--trust-dir":
			i++ // its value
		case strings.HasPrefix(arg, "--trust-dir="), arg == "--allow-weak", arg == "--demo":
		case strings.HasPrefix(arg, "-"):
			return ""
		default:
			return arg
		}
	}
	return ""
}
