package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// TestTextThatIsNotTextIsRefused: PostgreSQL stores neither NUL characters
// nor invalid UTF-8 (nor, in jsonb, an unpaired UTF-16 surrogate), so
// wherever a client sends one the answer is a 422 naming the field, and
// nothing is stored, instead of a 500 from the database.
func TestTextThatIsNotTextIsRefused(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	signup := func(field, value string) testenv.Raw {
		fields := map[string]string{"company_name": `"Acme"`, "full_name": `"Ada Admin"`, "utm_source": `"newsletter"`}
		fields[field] = value
		return testenv.Raw(fmt.Sprintf(`{"company_name":%s,"email":"%s@example.test","password":"correct horse battery","full_name":%s,"utm_source":%s}`,
			fields["company_name"], uuid.NewString(), fields["full_name"], fields["utm_source"]))
	}
	event := func(properties string) testenv.Raw {
		return testenv.Raw(fmt.Sprintf(`{"events":[{"id":%q,"name":"app_opened","timestamp":%q},{"id":%q,"name":"app_opened","timestamp":%q,"properties":%s}]}`,
			uuid.NewString(), time.Now().UTC().Format(time.RFC3339), uuid.NewString(), time.Now().UTC().Format(time.RFC3339), properties))
	}
	window := "from=2026-01-01&to=2026-02-01"
	for _, c := range []struct {
		name, method, path string
		body               testenv.Raw
		token              string
		field              string
	}{
		{"NUL in a name", "POST", "/v1/signup", signup("company_name", `"Acme\u0000 Corp"`), "", "company_name"},
		{"invalid UTF-8 in a name", "POST", "/v1/signup", signup("full_name", "\"Ada \xff\xfe\""), "", "full_name"},
		{"NUL in a utm field", "POST", "/v1/signup", signup("utm_source", `"news\u0000letter"`), "", "utm_source"},
		{"NUL in a step title", "POST", "/v1/admin/onboarding/steps",
			testenv.Raw(`{"key":"read_guide","title":"Read\u0000","required":false,"completion":{"type":"manual"}}`), staff, "title"},
		{"NUL in an event property", "POST", "/v1/events", event(`{"note":{"text":"a\u0000b"}}`), org.OwnerToken, "events[1].properties.note.text"},
		{"NUL in an event property name", "POST", "/v1/events", event(`{"a\u0000":1}`), org.OwnerToken, "events[1].properties"},
		{"invalid UTF-8 in an event property", "POST", "/v1/events", event("{\"list\":[\"ok\",\"\xc3\x28\"]}"), org.OwnerToken, "events[1].properties.list[1]"},
		{"an unpaired surrogate in an event property", "POST", "/v1/events", event(`{"note":"\ud800"}`), org.OwnerToken, "events[1].properties.note"},
		{"NUL in a query parameter", "GET", "/v1/admin/metrics/funnel?" + window + "&utm_source=a%00b", nil, staff, "utm_source"},
		{"invalid UTF-8 in a query parameter", "GET", "/v1/admin/metrics/activation?" + window + "&interval=week&utm_source=%FF", nil, staff, "utm_source"},
	} {
		var opts []testenv.RequestOption
		if c.token != "" {
			opts = append(opts, testenv.WithBearer(c.token))
		}
		res := env.Do(t, c.method, c.path, c.body, opts...).Expect(t, http.StatusUnprocessableEntity)
		var p struct {
			Code   string `json:"code"`
			Errors []struct{ Field string }
		}
		res.Decode(t, &p)
		if p.Code != "invalid" || len(p.Errors) != 1 || p.Errors[0].Field != c.field {
			t.Errorf("%s: %s, want one error on %q", c.name, res.Body, c.field)
		}
	}
	if n := scalar[int64](t, env, `SELECT (SELECT count(*) FROM organizations) + (SELECT count(*) FROM onboarding_events) + (SELECT count(*) FROM onboarding_steps)`); n != 1 {
		t.Fatalf("%d rows stored, want only the fixture organization", n-1)
	}

	// An escaped backslash before "u0000" is six ordinary characters.
	postEvents(t, env, org.OwnerToken, map[string]any{"id": uuid.NewString(), "name": "app_opened",
		"timestamp": time.Now().UTC().Format(time.RFC3339), "properties": map[string]any{"path": `C:\u0000`}}).Expect(t, http.StatusAccepted)
	// A key that cannot name a step is an unknown step, as elsewhere.
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/a%00b/complete", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusNotFound)
}
