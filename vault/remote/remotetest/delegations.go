package remotetest

import "strings"

// Delegation is a delegation role to publish and the paths it may sign
// (nil: every path).
type Delegation struct {
	Role  string
	Paths []string
}

// AddDelegations makes a key for each role (in a temporary directory of
// the test's), imports it and publishes the role, one after the other, as
// AddDelegation does.
func (n *Notary) AddDelegations(gun string, ds ...Delegation) {
	n.t.Helper()
	dir := n.t.TempDir()
	for _, d := range ds {
		k, err := NewDelegationKey(dir, strings.ReplaceAll(d.Role, "/", "-"))
		if err != nil {
			n.t.Fatal(err)
		}
		n.AddDelegation(gun, d.Role, k, d.Paths)
	}
}
