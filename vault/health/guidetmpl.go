package health

// The guides' own template language: the few text/template actions the
// documents in assets use, filled without reflection.
//
// text/template looks fields and methods up by name at run time, and a
// program that can call any method by name keeps every exported method of
// every type in its binary: the linker cannot drop the unused ones. Its
// one use here made the binary an eighth larger and every start of it
// slower (issue 13), so the guides are read by this instead. What it takes,
// with text/template's meaning (TestGuideTemplateMatchesTextTemplate
// checks every guide against text/template):
//
//	{{.Name}}            a value of guideValues, printed
//	{{.}}                the element, inside range
//	{{len .Name}}        the length of a list
//	{{if .Name}} … {{else}} … {{end}}   non-empty string or list
//	{{range .Name}} … {{end}}           each element of a list (not nested)
//	{{- …}} and {{… -}}  trim the white space before or after
//
// Anything else is an error that names the guide and the action.

import (
	"fmt"
	"strconv"
	"strings"
)

// guideValue is a guide's value: a string, or a list for range and len.
type guideValue struct {
	s      string
	list   []string
	isList bool
}

func (v guideValue) truth() bool {
	if v.isList {
		return len(v.list) > 0
	}
	return v.s != ""
}

// guideNode is one piece of a parsed guide.
type guideNode struct {
	kind  guideNodeKind
	text  string // text, or the value's name
	then  []guideNode
	other []guideNode // else, for if
}

type guideNodeKind int

const (
	guideText guideNodeKind = iota
	guideField
	guideDot
	guideLen
	guideIf
	guideRange
)

// guideTemplate is a parsed guide.
type guideTemplate struct {
	name  string
	nodes []guideNode
}

// guideAction is one {{…}} with its place in the source.
type guideAction struct {
	words []string
	line  int
}

// parseGuide parses src; known says which names {{.Name}} may use and
// whether each is a list.
func parseGuide(name, src string, known map[string]bool) (*guideTemplate, error) {
	p := guideParser{name: name, src: src, known: known}
	nodes, end, err := p.parse(0, false)
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, p.errorf("unexpected {{%s}}", end)
	}
	return &guideTemplate{name: name, nodes: nodes}, nil
}

type guideParser struct {
	name  string
	src   string
	pos   int
	line  int
	known map[string]bool
	// trimNext is set by a "-}}": the next text loses its leading space.
	trimNext bool
}

func (p *guideParser) errorf(format string, args ...any) error {
	return fmt.Errorf("guide %s, line %d: %s", p.name, p.line+1, fmt.Sprintf(format, args...))
}

// parse reads nodes up to the end of the source or an end or else at
// depth > 0, which it returns; inRange says {{.}} is an element.
func (p *guideParser) parse(depth int, inRange bool) ([]guideNode, string, error) {
	var nodes []guideNode
	for p.pos < len(p.src) {
		open := strings.Index(p.src[p.pos:], "{{")
		text := p.src[p.pos:]
		if open >= 0 {
			text = p.src[p.pos : p.pos+open]
		}
		trimLeft := open >= 0 && strings.HasPrefix(p.src[p.pos+open+2:], "- ")
		if p.trimNext {
			text = strings.TrimLeft(text, " \t\r\n")
			p.trimNext = false
		}
		if trimLeft {
			text = strings.TrimRight(text, " \t\r\n")
		}
		if text != "" {
			nodes = append(nodes, guideNode{kind: guideText, text: text})
		}
		if open < 0 {
			p.line += strings.Count(p.src[p.pos:], "\n")
			p.pos = len(p.src)
			break
		}
		p.line += strings.Count(p.src[p.pos:p.pos+open], "\n")
		start := p.pos + open + 2
		closeAt := strings.Index(p.src[start:], "}}")
		if closeAt < 0 {
			return nil, "", p.errorf("{{ without }}")
		}
		inner := p.src[start : start+closeAt]
		p.pos = start + closeAt + 2
		if strings.HasPrefix(inner, "- ") {
			inner = inner[2:]
		}
		if strings.HasSuffix(inner, " -") {
			inner = inner[:len(inner)-2]
			p.trimNext = true
		}
		words := strings.Fields(inner)
		if len(words) == 0 {
			return nil, "", p.errorf("empty action")
		}
		switch words[0] {
		case "end", "else":
			if len(words) != 1 {
				return nil, "", p.errorf("{{%s}} takes nothing", inner)
			}
			if depth == 0 {
				return nil, "", p.errorf("{{%s}} outside if or range", words[0])
			}
			return nodes, words[0], nil
		case "if", "range":
			if len(words) != 2 {
				return nil, "", p.errorf("{{%s}}: want one value", inner)
			}
			name, err := p.valueName(words[1], words[0] == "range")
			if err != nil {
				return nil, "", err
			}
			n := guideNode{kind: guideIf, text: name}
			if words[0] == "range" {
				if inRange {
					// One list per guide: a range in a range would print
					// its text once per pair, and so on, exponentially.
					return nil, "", p.errorf("{{%s}} inside range", inner)
				}
				n.kind = guideRange
			}
			then, end, err := p.parse(depth+1, inRange || n.kind == guideRange)
			if err != nil {
				return nil, "", err
			}
			n.then = then
			if end == "else" {
				if n.kind == guideRange {
					return nil, "", p.errorf("{{else}} in range")
				}
				other, end2, err := p.parse(depth+1, inRange)
				if err != nil {
					return nil, "", err
				}
				if end2 != "end" {
					return nil, "", p.errorf("{{if %s}} without {{end}}", words[1])
				}
				n.other = other
			} else if end != "end" {
				return nil, "", p.errorf("{{%s}} without {{end}}", inner)
			}
			nodes = append(nodes, n)
		case "len":
			if len(words) != 2 {
				return nil, "", p.errorf("{{%s}}: want one value", inner)
			}
			name, err := p.valueName(words[1], true)
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, guideNode{kind: guideLen, text: name})
		case ".":
			if len(words) != 1 || !inRange {
				return nil, "", p.errorf("{{%s}} outside range", inner)
			}
			nodes = append(nodes, guideNode{kind: guideDot})
		default:
			if len(words) != 1 {
				return nil, "", p.errorf("{{%s}} is not an action guides use", inner)
			}
			name, err := p.valueName(words[0], false)
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, guideNode{kind: guideField, text: name})
		}
	}
	if depth > 0 {
		return nil, "", p.errorf("if or range without {{end}}")
	}
	return nodes, "", nil
}

// valueName checks a ".Name" word: it must be known, and a list where one is
// wanted (range, len) and a string where printed.
func (p *guideParser) valueName(word string, wantList bool) (string, error) {
	name, ok := strings.CutPrefix(word, ".")
	if !ok || name == "" {
		return "", p.errorf("%q is not a value", word)
	}
	isList, ok := p.known[name]
	if !ok {
		return "", p.errorf("no value %q", name)
	}
	if wantList && !isList {
		return "", p.errorf("%s is not a list", name)
	}
	return name, nil
}

// execute fills the template; value gives each name's value.
func (t *guideTemplate) execute(b *strings.Builder, value func(string) guideValue) {
	executeGuide(b, t.nodes, value, "")
}

func executeGuide(b *strings.Builder, nodes []guideNode, value func(string) guideValue, dot string) {
	for _, n := range nodes {
		switch n.kind {
		case guideText:
			b.WriteString(n.text)
		case guideField:
			v := value(n.text)
			if v.isList {
				b.WriteString("[" + strings.Join(v.list, " ") + "]")
			} else {
				b.WriteString(v.s)
			}
		case guideDot:
			b.WriteString(dot)
		case guideLen:
			b.WriteString(strconv.Itoa(len(value(n.text).list)))
		case guideIf:
			if value(n.text).truth() {
				executeGuide(b, n.then, value, dot)
			} else {
				executeGuide(b, n.other, value, dot)
			}
		case guideRange:
			for _, e := range value(n.text).list {
				executeGuide(b, n.then, value, e)
			}
		}
	}
}
