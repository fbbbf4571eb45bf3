package vault

import "strings"

// ShellQuote makes s one word for a POSIX shell, so that a suggested
// command can be pasted as it is: s unchanged when it holds only characters
// no shell treats specially, else in single quotes (a single quote inside
// closes them, is escaped, and opens them again). A drive label with a
// space, a $ or a quote stays one word; so does a word starting with =,
// which zsh would replace with a command's path. The command line and the
// view both quote with it.
func ShellQuote(s string) string {
	plain := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)
	}
	if s != "" && s[0] != '=' && strings.IndexFunc(s, func(r rune) bool { return !plain(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
