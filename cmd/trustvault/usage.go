package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/trustvault/trustvault/vault"
)

// usageError is a bad flag or argument: run prints it with a pointer to
// the command's help and exits with exitUsage. Every such error is a plain
// sentence written here, never cobra's or pflag's own wording.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usage is a usageError from a format.
func usage(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// noArgs is cobra.NoArgs in plain words. A command with subcommands names
// the unknown one.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		msg := fmt.Sprintf("%q is not a command of %s", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf(" (did you mean %s?)", orList(s))
		}
		return usage("%s", msg)
	}
	return usage("%s takes no arguments, but was given %q", cmd.CommandPath(), strings.Join(args, " "))
}

// exactArgs wants n arguments, what names them ("one key ID").
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usage("%s takes %s, but was given %d", cmd.CommandPath(), what, len(args))
		}
		return nil
	}
}

// minArgs wants at least n arguments.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usage("%s needs %s", cmd.CommandPath(), what)
		}
		return nil
	}
}

// keyIDArgs checks that every argument can name a key, after args.
func keyIDArgs(args cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, list []string) error {
		if err := args(cmd, list); err != nil {
			return err
		}
		for _, a := range list {
			if err := vault.CheckKeyIDPrefix(a); err != nil {
				return &usageError{err: err}
			}
		}
		return nil
	}
}

// exactlyOne checks that exactly one of the named flags is set.
func exactlyOne(cmd *cobra.Command, names ...string) error {
	if err := atMostOne(cmd, names...); err != nil {
		return err
	}
	for _, n := range names {
		if cmd.Flags().Changed(n) {
			return nil
		}
	}
	return usage("give %s", orList(dashed(names)))
}

// atMostOne checks that no two of the named flags are set together.
func atMostOne(cmd *cobra.Command, names ...string) error {
	var set []string
	for _, n := range names {
		if cmd.Flags().Changed(n) {
			set = append(set, n)
		}
	}
	if len(set) > 1 {
		return usage("give %s, not both", strings.Join(dashed(set), " or "))
	}
	return nil
}

// required checks that a flag is set; hint says what it takes.
func required(cmd *cobra.Command, name, hint string) error {
	if !cmd.Flags().Changed(name) {
		return usage("give --%s %s", name, hint)
	}
	return nil
}

func dashed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "--" + n
	}
	return out
}

// flagError turns pflag's parse errors into sentences.
func flagError(cmd *cobra.Command, err error) error {
	var notExist *pflag.NotExistError
	var needsValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	var syntax *pflag.InvalidSyntaxError
	switch {
	case errors.As(err, &notExist):
		name := notExist.GetSpecifiedName()
		if notExist.GetSpecifiedShortnames() != "" {
			return usage("%s has no flag -%s", cmd.CommandPath(), name)
		}
		return usage("%s has no flag --%s", cmd.CommandPath(), name)
	case errors.As(err, &needsValue):
		return usage("--%s needs a value", needsValue.GetFlag().Name)
	case errors.As(err, &invalid):
		return usage("--%s %q: %s", invalid.GetFlag().Name, invalid.GetValue(), valueReason(invalid.Unwrap()))
	case errors.As(err, &syntax):
		return usage("%q is not a flag: flags look like --name or --name=value", syntax.GetSpecifiedFlag())
	}
	return &usageError{err: err}
}

// valueReason says why a flag value was refused, without strconv's words.
func valueReason(err error) string {
	var num *strconv.NumError
	if errors.As(err, &num) {
		if errors.Is(num.Err, strconv.ErrRange) {
			return "the number is out of range"
		}
		return "not a whole number"
	}
	return err.Error()
}
