package accounts

import (
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
)

// fieldErrors are a form's problems in the visitor's language, by field
// name; "" holds a problem of the whole form (shown in the summary only,
// as its lead).
type fieldErrors map[string]string

// add records field's first problem.
func (f fieldErrors) add(field, message string) {
	if _, seen := f[field]; !seen {
		f[field] = message
	}
}

// Fields are the problems of single fields, which the summary lists (an
// empty map is false to the template's with: no empty list).
func (f fieldErrors) Fields() map[string]string {
	out := maps.Clone(f)
	delete(out, "")
	return out
}

// problem is the lead of a form's summary: the whole form's problem when
// there is one (nothing in the form to correct), else "please correct the
// following", or "" (no summary) without problems.
func (p *pages) problem(c *gin.Context, errs fieldErrors) string {
	if whole, ok := errs[""]; ok {
		return whole
	}
	if len(errs) > 0 {
		return p.views.Text(c, "form.problem")
	}
	return ""
}

// domainProblems are the domain's validation messages (internal/account),
// in English for the JSON API, as keys of this package's texts. A message
// not listed says "check this field": still in the visitor's language.
var domainProblems = []struct {
	prefix, key string
}{
	{fmt.Sprintf("must be %d to %d characters", account.MinPasswordLen, account.MaxPasswordLen), "field.password_length"},
	{"is required", "field.required"},
	{"must be at most", "field.too_long"},
	{"must not contain control", "field.invisible"},
	{"must not contain a web address", "field.link"},
	{"must be an email address", "field.email"},
}

var firstNumber = regexp.MustCompile(`\d+`)

// fromDomain puts an invalid-input error's fields into f, each under
// the form field rename names (the domain's name when absent), and
// reports whether err was one.
func (p *pages) fromDomain(c *gin.Context, f fieldErrors, err error, rename map[string]string) bool {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeInvalid {
		return false
	}
	for _, fe := range e.Fields {
		name := fe.Field
		if to, ok := rename[name]; ok {
			name = to
		}
		key := "field.invalid"
		for _, d := range domainProblems {
			if strings.HasPrefix(fe.Message, d.prefix) {
				key = d.key
				break
			}
		}
		message := p.views.Text(c, key)
		switch key {
		case "field.too_long":
			message = strings.Replace(message, "%d", firstNumber.FindString(fe.Message), 1)
		case "field.password_length":
			message = fmt.Sprintf(message, account.MinPasswordLen, account.MaxPasswordLen)
		}
		f.add(name, message)
	}
	return true
}
