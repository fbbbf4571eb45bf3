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
// when it names one of them, none for --version alone, every one otherwise
// (help, completion, an unknown name that wants suggestions, the
// interactive view).
func (a *app) addCommands(root *cobra.Command, cmds []subcommand) {
	if a.invoked == versionOnly {
		return
	}
	if a.invoked != "" {
		for _, c := range cmds {
			if c.name == a.invoked {
				root.AddCommand(c.build())
				// cobra's own completion command is made only when it
				// could be used: completion, help, the whole tree.
				root.CompletionOptions.DisableDefaultCmd = !a.completing
				return
			}
		}
	}
	for _, c := range cmds {
		root.AddCommand(c.build())
	}
}

// versionOnly is invokedCommand's answer for a run that asks only for
// --version: it needs no command below root.
const versionOnly = "--version"

// invokedCommand is the command name args start with, after the global
// flags; versionOnly when --version is all they ask; "" when args name
// no command, or hold a flag before it that only the whole tree can place.
func invokedCommand(args []string) string {
	version := false
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--trust-dir":
			i++ // its value
		case strings.HasPrefix(arg, "--trust-dir="), arg == "--allow-weak", arg == "--demo":
		case arg == "--version", arg == "-v":
			version = true
		case strings.HasPrefix(arg, "-") || version:
			return ""
		default:
			return arg
		}
	}
	if version {
		return versionOnly
	}
	return ""
}
