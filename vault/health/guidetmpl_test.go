package health

import (
	"strings"
	"testing"
	"text/template"

	"github.com/trustvault/trustvault/assets"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// textTemplateData is what the guides were filled with by text/template:
// GuideData with Repo beside it.
type textTemplateData struct {
	GuideData
	Repo string
}

// fillWithTextTemplate is LostKeyGuide as it was, on text/template, with the
// values LostKeyGuide fills in already in d.
func fillWithTextTemplate(t *testing.T, name, src string, d GuideData, repo string) (string, error) {
	t.Helper()
	tmpl, err := template.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = tmpl.Execute(&b, textTemplateData{GuideData: d, Repo: repo})
	return b.String(), err
}

// guideDataSets are guides' data with every value empty and set, lists of
// none, one and several.
func guideDataSets(kind keyrole.Kind) []GuideData {
	return []GuideData{
		{Kind: kind},
		{Kind: kind, GUN: "registry.example.com/acme/web"},
		{Kind: kind, KeyID: strings.Repeat("3e", 32), Repositories: []string{"x/a"}},
		{Kind: kind, GUN: "registry.example.com/acme/web", KeyID: strings.Repeat("ab", 32), Signer: "alice", Role: "targets/alice",
			TrustDir: "/home/a/.docker/trust", Command: "trustvault --trust-dir /t", Repositories: []string{"x/a", "x/b", "x/c"},
			RootExpires: "2030-01-01", TargetsExpires: "2029-01-01"},
		{Kind: kind, RootExpires: "2030-01-01"},
		{Kind: kind, TargetsExpires: "2029-01-01", Signer: "bob"},
	}
}

// Every guide, filled with every kind of data, reads as text/template
// filled it, byte for byte.
func TestGuideTemplateMatchesTextTemplate(t *testing.T) {
	for _, kind := range keyrole.Kinds() {
		src, err := assets.Guide(kind.String())
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range guideDataSets(kind) {
			got, err := LostKeyGuide(d)
			if err != nil {
				t.Fatalf("%s %d: %v", kind, i, err)
			}
			repo := d.GUN
			d = d.withPlaceholders()
			want, err := fillWithTextTemplate(t, kind.String(), src, d, repo)
			if err != nil {
				t.Fatalf("%s %d: text/template: %v", kind, i, err)
			}
			if got != want {
				t.Errorf("%s guide, data %d, differs from text/template's:\n--- got\n%s\n--- want\n%s", kind, i, got, want)
			}
		}
	}
}

func TestGuideTemplateRejects(t *testing.T) {
	for _, src := range []string{
		"{{.Nope}}",
		"{{if .GUN}}x",
		"{{end}}",
		"{{else}}",
		"{{range .GUN}}{{end}}",
		"{{len .GUN}}",
		"{{.}}",
		"{{printf \"%s\" .GUN}}",
		"{{range .Repositories}}{{else}}{{end}}",
		"{{if .GUN .KeyID}}{{end}}",
		"{{ }}",
		"{{.GUN",
		"{{.GUN.x}}",
		"{{$x := .GUN}}",
		"{{range .Repositories}}{{range .Repositories}}{{end}}{{end}}",
	} {
		if _, err := parseGuide("test", src, guideNames); err == nil {
			t.Errorf("%q parsed; want an error", src)
		} else if !strings.Contains(err.Error(), "guide test, line 1") {
			t.Errorf("%q: error %q does not name the guide and line", src, err)
		}
	}
}

// Whatever the guides' language takes, text/template reads alike.
func FuzzGuideTemplate(f *testing.F) {
	for _, kind := range keyrole.Kinds() {
		src, err := assets.Guide(kind.String())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src, 3)
	}
	f.Add("a {{- if .KeyID -}} b {{- else}} c {{end -}} d", 0)
	f.Add("{{range .Repositories}}\n- {{.}}{{end}}{{len .Repositories}}", 1)
	f.Fuzz(func(t *testing.T, src string, set int) {
		sets := guideDataSets(keyrole.Root)
		d := sets[uint(set)%uint(len(sets))]
		tmpl, err := parseGuide("f", src, guideNames)
		if err != nil {
			return
		}
		var b strings.Builder
		tmpl.execute(&b, func(name string) guideValue {
			if name == "Repo" {
				return guideValue{s: "registry.example.com/r"}
			}
			return d.value(name)
		})
		want, err := fillWithTextTemplate(t, "f", src, d, "registry.example.com/r")
		if err != nil {
			t.Fatalf("%q: ours took it, text/template: %v", src, err)
		}
		if got := b.String(); got != want {
			t.Fatalf("%q:\ngot  %q\nwant %q", src, got, want)
		}
	})
}
