package nudge

import (
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/mail"
)

func templateProblems(ts Templates) map[string]string {
	var v apperr.Validator
	ts.validate(&v)
	out := map[string]string{}
	if e, ok := apperr.As(v.Err()); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Message
		}
	}
	return out
}

func TestTemplatesUseOnlyTheirThreeFields(t *testing.T) {
	ok := Template{Subject: "Hello {{.FirstName}}", Text: "{{.OrganizationName}}: {{.Link}}"}
	cases := []struct {
		name  string
		ts    Templates
		field string
		want  string
	}{
		{"unknown field", Templates{"en": {Subject: "Hi {{.Email}}", Text: "x"}}, "templates.en.subject", ".Email"},
		{"unknown field in a branch not taken", Templates{"en": ok, "fr": {Subject: "Bonjour", Text: "{{if false}}{{.Password}}{{end}}"}}, "templates.fr.text", ".Password"},
		{"field of a field", Templates{"en": {Subject: "{{.FirstName.Len}}", Text: "x"}}, "templates.en.subject", ".FirstName.Len"},
		{"root variable", Templates{"en": {Subject: "{{$.Secret}}", Text: "x"}}, "templates.en.subject", ".Secret"},
		{"does not parse", Templates{"en": {Subject: "Hello {{.FirstName", Text: "x"}}, "templates.en.subject", "does not parse"},
		{"english missing", Templates{"fr": ok}, "templates.en", "required"},
		{"other language", Templates{"en": ok, "de": ok}, "templates.de", "en or fr"},
		{"two-line subject", Templates{"en": {Subject: "Hello\n{{.FirstName}}", Text: "x"}}, "templates.en.subject", "one line"},
		{"empty text", Templates{"en": {Subject: "Hello", Text: " "}}, "templates.en.text", "required"},
	}
	for _, c := range cases {
		got := templateProblems(c.ts)
		if !strings.Contains(got[c.field], c.want) {
			t.Errorf("%s: problems %v, want %s mentioning %q", c.name, got, c.field, c.want)
		}
	}
	if got := templateProblems(Templates{"en": ok, "fr": ok}); len(got) != 0 {
		t.Errorf("good templates: %v", got)
	}
}

func TestARuleWithoutFrenchWritesToFrenchReadersInEnglish(t *testing.T) {
	ts := Templates{"en": {Subject: "Hello {{.FirstName}} at {{.OrganizationName}}", Text: "Open {{.Link}}"}}
	subject, text, err := ts.render(mail.French, TemplateData{FirstName: "Zoé", OrganizationName: "Acme\r\nBcc: x@evil.test", Link: "https://l"})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Hello Zoé at Acme Bcc: x@evil.test" || text != "Open https://l" {
		t.Errorf("rendered %q / %q", subject, text)
	}
}

// A template is checked against every reader it may meet, not only the
// sample: an invitee has no first name, and a template that fails for
// them would fail the sweep's whole batch, every sweep, for every rule.
func TestATemplateThatFailsForSomeReadersIsRefused(t *testing.T) {
	ok := Template{Subject: "Hello", Text: "{{.Link}}"}
	cases := []struct {
		name string
		tmpl Template
		part string
	}{
		{"an initial of a missing first name", Template{Subject: "{{slice .FirstName 0 1}}, hello", Text: "x"}, "subject"},
		{"a field of a variable in a branch the sample skips", Template{Subject: "Hello", Text: "{{if not .FirstName}}{{$l := .Link}}{{$l.Host}}{{end}}"}, "text"},
	}
	for _, c := range cases {
		got := templateProblems(Templates{"en": ok, "fr": c.tmpl})
		if got["templates.fr."+c.part] == "" {
			t.Errorf("%s: problems %v, want templates.fr.%s", c.name, got, c.part)
		}
		if _, _, err := (Templates{"en": c.tmpl}).render(mail.English, TemplateData{Link: "https://l"}); err == nil {
			t.Errorf("%s: renders for an invitee, the test is wrong", c.name)
		}
	}
}
