package tuf

// Finding targets through delegations as notary's client does
// (tuf.Repo.WalkTargets, GetTargetByName, GetAllTargetMetadataByName).

import (
	"slices"
	"strings"
)

// TargetRef is a target as one role signs it.
type TargetRef struct {
	Name string
	Role DelegatedRole // for "targets": Name "targets", Paths [""]
	Meta FileMeta
	// Signatures are those of the role's file.
	Signatures []Signature
}

// Walk visits the roles that have a verified file, breadth first from
// targets, as notary walks them: a role is visited when it may sign for
// targetPath ("" matches every role) and it is rolePath or below it ("" is
// every role), and it is not in skip; the children of a visited role (or of
// a role above rolePath) are walked next. visit returns true to stop.
func (r *Repo) Walk(targetPath, rolePath string, skip []string, visit func(DelegatedRole, *Metadata) bool) {
	if r.Targets == nil {
		return
	}
	queue := []DelegatedRole{{Name: "targets", Paths: []string{""}}}
	for len(queue) > 0 {
		role := queue[0]
		queue = queue[1:]
		m := r.Targets
		if role.Name != "targets" {
			var ok bool
			if m, ok = r.Delegations[role.Name]; !ok {
				continue
			}
		}
		if strings.HasPrefix(rolePath, role.Name+"/") {
			queue = append(queue, r.children(role.Name)...)
			continue
		}
		validPath := targetPath == "" || role.CheckPath(targetPath)
		below := rolePath == "" || role.Name == rolePath || strings.HasPrefix(role.Name, rolePath+"/")
		if validPath && below && !slices.Contains(skip, role.Name) {
			if visit(role, m) {
				return
			}
			queue = append(queue, r.children(role.Name)...)
		}
	}
}

// children are the valid delegations of parent, in its file's order.
func (r *Repo) children(parent string) []DelegatedRole {
	var out []DelegatedRole
	for _, d := range r.Roles {
		if d.Parent == parent {
			out = append(out, d)
		}
	}
	return out
}

// Lookup finds target name as notary's GetTargetByName does: the roles are
// tried in order (none: "targets"), each walk leaving out the other roles
// named, and the first role holding the name wins. docker pulls a tag with
// Lookup(tag, "targets/releases", "targets").
func (r *Repo) Lookup(name string, roles ...string) (TargetRef, bool) {
	if len(roles) == 0 {
		roles = []string{"targets"}
	}
	for i, role := range roles {
		skip := append(append([]string(nil), roles[:i]...), roles[i+1:]...)
		var found TargetRef
		var ok bool
		r.Walk(name, role, skip, func(d DelegatedRole, m *Metadata) bool {
			fm, has := m.Targets[name]
			if has {
				found, ok = TargetRef{Name: name, Role: d, Meta: fm, Signatures: m.Signatures}, true
			}
			return has
		})
		if ok {
			return found, true
		}
	}
	return TargetRef{}, false
}

// AllTargets lists every role's entry for target name ("" is every target
// of every role), walking as notary's GetAllTargetMetadataByName does. The
// order is the walk's; within a role, by name.
func (r *Repo) AllTargets(name string) []TargetRef {
	var out []TargetRef
	r.Walk(name, "", nil, func(d DelegatedRole, m *Metadata) bool {
		if name != "" {
			if fm, ok := m.Targets[name]; ok {
				out = append(out, TargetRef{Name: name, Role: d, Meta: fm, Signatures: m.Signatures})
			}
			return false
		}
		for _, n := range sortedKeys(m.Targets) {
			out = append(out, TargetRef{Name: n, Role: d, Meta: m.Targets[n], Signatures: m.Signatures})
		}
		return false
	})
	return out
}

func sortedKeys(m map[string]FileMeta) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
