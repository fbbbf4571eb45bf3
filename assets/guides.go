package assets

import (
	"embed"
	"fmt"
	"slices"
)

//go:embed guides/*.md
var guides embed.FS

// guideNames are the guides, in the order of the five key types.
var guideNames = []string{"root", "targets", "delegation", "snapshot", "timestamp"}

// GuideNames lists the lost-key guides: root, targets, delegation, snapshot
// and timestamp.
func GuideNames() []string { return slices.Clone(guideNames) }

// Guide returns a lost-key guide's template source.
func Guide(name string) (string, error) {
	if !slices.Contains(guideNames, name) {
		return "", fmt.Errorf("assets: no guide %q (there are %v)", name, guideNames)
	}
	b, err := guides.ReadFile("guides/" + name + ".md")
	if err != nil {
		return "", fmt.Errorf("assets: guide %s: %w", name, err)
	}
	return string(b), nil
}
