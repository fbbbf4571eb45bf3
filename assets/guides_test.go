package assets

import (
	"strings"
	"testing"
)

func TestGuides(t *testing.T) {
	for _, name := range GuideNames() {
		g, err := Guide(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(g, "# ") {
			t.Errorf("guide %s does not start with a heading", name)
		}
		if strings.Count(g, "```")%2 != 0 {
			t.Errorf("guide %s has an unclosed code block", name)
		}
	}
	if _, err := Guide("../doc.go"); err == nil {
		t.Error("Guide reads outside the guides")
	}
}
