package keyrole

import "fmt"

// RoleKind is one of the five kinds of key a DCT publisher holds.
type Kind int

const (
	Root Kind = iota
	Targets
	Snapshot
	Timestamp
	Delegation
)

// Kinds lists the five key types in the order trustvault shows them.
func Kinds() []Kind {
	return []Kind{Root, Targets, Snapshot, Timestamp, Delegation}
}

func (k Kind) String() string {
	switch k {
	case Root:
		return "root"
	case Targets:
		return "targets"
	case Snapshot:
		return "snapshot"
	case Timestamp:
		return "timestamp"
	default:
		return "delegation"
	}
}

// KindOf classifies a role string as found in a PEM `role` header or TUF
// metadata. Anything that is not a base role (targets/releases, a docker
// signer name such as "alice", notary's import default "delegation") is a
// delegation.
func KindOf(role string) Kind {
	switch role {
	case "root":
		return Root
	case "targets":
		return Targets
	case "snapshot":
		return Snapshot
	case "timestamp":
		return Timestamp
	default:
		return Delegation
	}
}

// ParseKind parses a RoleKind from its String form.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown key type %q: want root, targets, snapshot, timestamp or delegation", s)
}
