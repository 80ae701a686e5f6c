package console

import (
	"regexp"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
)

// fieldErrors are a form's problems, by form field, in the visitor's
// language. The services validate; the console only says what their
// field names mean, so the rules live in one place.
type fieldErrors map[string]string

// formLevel is where a problem with no field of its own goes.
const formLevel = "_form"

var listIndex = regexp.MustCompile(`\[\d+\]`)

// explain turns the service's field errors into messages: keys maps a
// service field (list indexes dropped) to the form field it belongs to and
// the catalog key of its message.
func (c *console) explain(ctx *gin.Context, e *apperr.Error, keys map[string]fieldText) fieldErrors {
	out := fieldErrors{}
	for _, f := range e.Fields {
		ft, ok := keys[listIndex.ReplaceAllString(f.Field, "")]
		if !ok {
			ft = fieldText{Field: formLevel, Key: "form.invalid"}
		}
		if _, seen := out[ft.Field]; !seen {
			out[ft.Field] = c.pages.Text(ctx, ft.Key)
		}
	}
	return out
}

// fieldText is a form field and the catalog key of its error message.
type fieldText struct{ Field, Key string }

// conflictText is the catalog key that explains a refusal (409) by its
// reason, or a general one.
func conflictText(e *apperr.Error) string {
	switch e.Reason {
	case "step_exists", "too_many_steps", "draft_empty", "draft_unchanged", "activation_step_removed",
		"nudge_exists":
		return "conflict." + e.Reason
	}
	if e.Code == apperr.CodeNotFound {
		return "conflict.not_found"
	}
	return "conflict.other"
}

// userError sorts err into what the page can explain: field errors, a
// refusal (a catalog key), or neither (ok false: the caller fails).
func (c *console) userError(ctx *gin.Context, err error, keys map[string]fieldText) (fields fieldErrors, refusal string, ok bool) {
	e, isApp := apperr.As(err)
	switch {
	case !isApp:
		return nil, "", false
	case e.Code == apperr.CodeInvalid:
		return c.explain(ctx, e, keys), "", true
	case e.Code == apperr.CodeConflict || e.Code == apperr.CodeNotFound:
		return nil, conflictText(e), true
	}
	return nil, "", false
}

var loginFields = map[string]fieldText{
	"email":    {"email", "login.err.email"},
	"password": {"password", "login.err.password"},
}

// roleSet is the roles a form's checkboxes ticked.
type roleSet []string

// Has reports whether role is ticked (for the checkboxes).
func (r roleSet) Has(role string) bool { return slices.Contains(r, role) }
