package nudge

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode/utf8"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/mail"
)

// TemplateData is what a rule's templates may use, and all they may use.
type TemplateData struct {
	FirstName        string
	OrganizationName string
	Link             string
}

var (
	templateFields = []string{"FirstName", "OrganizationName", "Link"}
	languages      = []string{string(mail.English), string(mail.French)}
	// Sample data a template runs on when written, long enough to show a
	// subject that would overflow.
	sampleData = TemplateData{FirstName: "Camille", OrganizationName: "Acme", Link: "https://example.com/link"}
	// inviteeData is what a template gets for an invitee (no name yet): it
	// must run for them too, or their rule's render would fail the sweep.
	inviteeData = TemplateData{OrganizationName: "Acme", Link: "https://example.com/link"}
)

const (
	maxSubject = 200
	maxText    = 5000
)

// validate checks every language's templates: en is required, each
// subject and text parses, uses only TemplateData's fields, and runs.
func (ts Templates) validate(v *apperr.Validator) {
	if _, ok := ts[string(mail.English)]; !ok {
		v.Check(false, "templates.en", "is required (other languages fall back to it)")
	}
	for lang, t := range ts {
		field := "templates." + lang
		if !slices.Contains(languages, lang) {
			v.Check(false, field, "must be en or fr")
			continue
		}
		for _, part := range []struct{ name, src string }{{"subject", t.Subject}, {"text", t.Text}} {
			if msg := checkTemplate(part.src); msg != "" {
				v.Check(false, field+"."+part.name, msg)
			}
		}
		if subject, err := execute(t.Subject, sampleData); err == nil {
			v.Check(!strings.ContainsAny(subject, "\r\n"), field+".subject", "must be one line")
			v.Check(utf8.RuneCountInString(subject) <= maxSubject, field+".subject", fmt.Sprintf("must be at most %d characters", maxSubject))
		}
		v.Check(utf8.RuneCountInString(t.Text) <= maxText, field+".text", fmt.Sprintf("must be at most %d characters", maxText))
	}
}

// checkTemplate is why src is not a template a rule may use ("" when it
// is one).
func checkTemplate(src string) string {
	if strings.TrimSpace(src) == "" {
		return "is required"
	}
	tmpl, err := template.New("t").Option("missingkey=error").Parse(src)
	if err != nil {
		return "does not parse: " + strings.TrimPrefix(err.Error(), "template: t:")
	}
	if unknown := unknownFields(tmpl.Root); len(unknown) > 0 {
		return fmt.Sprintf("uses %s; a template may use only {{.FirstName}}, {{.OrganizationName}} and {{.Link}}",
			strings.Join(unknown, ", "))
	}
	for _, data := range []TemplateData{sampleData, inviteeData} {
		if _, err := execute(src, data); err != nil {
			return "does not run: " + strings.TrimPrefix(err.Error(), "template: t:")
		}
	}
	return ""
}

// unknownFields walks the whole tree, branches not taken included (running
// the template would only see the ones taken), for fields TemplateData
// does not have.
func unknownFields(n parse.Node) []string {
	var out []string
	check := func(ident []string) {
		if len(ident) > 0 && (!slices.Contains(templateFields, ident[0]) || len(ident) > 1) {
			out = append(out, "."+strings.Join(ident, "."))
		}
	}
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			check(n.Ident)
		case *parse.ChainNode:
			out = append(out, "a chained field")
		case *parse.VariableNode:
			// $.X is a field of the data; $v.X, with $v bound to one of
			// its strings, is one no string has.
			if len(n.Ident) > 1 && n.Ident[0] == "$" {
				check(n.Ident[1:])
			} else if len(n.Ident) > 1 {
				out = append(out, strings.Join(n.Ident, "."))
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			out = append(out, "{{template}}")
		}
	}
	walk(n)
	return out
}

// execute runs src on data.
func execute(src string, data TemplateData) (string, error) {
	tmpl, err := template.New("t").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// render is a rule's email in locale l (en when the rule has no text in
// it). The subject is kept to one line whatever a company's name holds.
func (ts Templates) render(l mail.Locale, data TemplateData) (subject, text string, err error) {
	t, ok := ts[string(l)]
	if !ok {
		t = ts[string(mail.English)]
	}
	if subject, err = execute(t.Subject, data); err != nil {
		return "", "", fmt.Errorf("render subject: %w", err)
	}
	if text, err = execute(t.Text, data); err != nil {
		return "", "", fmt.Errorf("render text: %w", err)
	}
	return strings.Join(strings.Fields(subject), " "), text, nil
}
