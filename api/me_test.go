package api_test

import (
	"net/http"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

type meUser struct {
	Email    string  `json:"email"`
	FullName string  `json:"full_name"`
	Locale   *string `json:"locale"`
	TimeZone *string `json:"time_zone"`
}

// String shows null fields as <null>, so users compare by value.
func (u meUser) String() string {
	return u.Email + " " + u.FullName + " " + str(u.Locale) + " " + str(u.TimeZone)
}

func getMe(t *testing.T, env *testenv.Env, token string) meUser {
	t.Helper()
	var body struct{ User meUser }
	env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(token)).Expect(t, http.StatusOK).Decode(t, &body)
	return body.User
}

func patchMe(t *testing.T, env *testenv.Env, token string, body any) *testenv.Response {
	t.Helper()
	return env.Do(t, http.MethodPatch, "/v1/me", body, testenv.WithBearer(token))
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func TestUpdateMeSetsKeepsAndClearsProfileFields(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ada := env.Signup(t, testenv.SignupOptions{FullName: "Ada Admin"})
	// A signup stores the language it resolved (DEFAULT_LOCALE here); the
	// time zone stays unsaid.
	if u := getMe(t, env, ada.AccessToken); str(u.Locale) != "en" || u.TimeZone != nil {
		t.Fatalf("a new user has locale %s and time zone %s, want en and null", str(u.Locale), str(u.TimeZone))
	}

	var got struct {
		User        meUser
		Role        *string
		Memberships []map[string]any
	}
	patchMe(t, env, ada.AccessToken, map[string]any{"full_name": "  Ada Lovelace ", "locale": "fr", "time_zone": "America/Montreal"}).
		Expect(t, http.StatusOK).Decode(t, &got)
	if got.User.FullName != "Ada Lovelace" || str(got.User.Locale) != "fr" || str(got.User.TimeZone) != "America/Montreal" ||
		got.Role == nil || *got.Role != "owner" || len(got.Memberships) != 1 {
		t.Fatalf("PATCH answered %+v", got)
	}
	if u := getMe(t, env, ada.AccessToken); u.String() != got.User.String() {
		t.Fatalf("GET /v1/me shows %v after the PATCH answered %v", u, got.User)
	}

	// Left out: unchanged. null: cleared.
	patchMe(t, env, ada.AccessToken, map[string]any{"locale": nil}).Expect(t, http.StatusOK)
	u := getMe(t, env, ada.AccessToken)
	if u.Locale != nil || str(u.TimeZone) != "America/Montreal" || u.FullName != "Ada Lovelace" {
		t.Fatalf("after clearing the locale: %+v", u)
	}
	patchMe(t, env, ada.AccessToken, map[string]any{}).Expect(t, http.StatusOK)
	patchMe(t, env, ada.AccessToken, map[string]any{"time_zone": nil, "locale": "en"}).Expect(t, http.StatusOK)
	if u := getMe(t, env, ada.AccessToken); u.TimeZone != nil || str(u.Locale) != "en" || u.FullName != "Ada Lovelace" {
		t.Fatalf("after clearing the time zone: %+v", u)
	}
	// The new name is what the session shows at the next sign-in too.
	if s := env.Login(t, ada.User.Email, testenv.DefaultPassword); s.User.FullName != "Ada Lovelace" {
		t.Fatalf("login shows %q", s.User.FullName)
	}
}

// Every bad field is named in one 422, and nothing changes.
func TestUpdateMeValidatesEveryField(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ada := env.Signup(t, testenv.SignupOptions{FullName: "Ada Admin"})
	patchMe(t, env, ada.AccessToken, map[string]any{"locale": "fr", "time_zone": "Europe/Paris"}).Expect(t, http.StatusOK)
	before := getMe(t, env, ada.AccessToken)

	res := patchMe(t, env, ada.AccessToken, map[string]any{"full_name": "Ada\nBcc: all@acme.test", "locale": "de", "time_zone": "Mars/Olympus_Mons"}).
		Expect(t, http.StatusUnprocessableEntity)
	if f := problemFields(t, res); !f["full_name"] || !f["locale"] || !f["time_zone"] {
		t.Errorf("fields named: %s", res.Body)
	}
	for name, body := range map[string]map[string]any{
		"a blank name":                {"full_name": "   "},
		"a cleared name":              {"full_name": nil},
		"a name with a link":          {"full_name": "Ada from acme.com"},
		"a name too long":             {"full_name": string(make([]rune, 201))},
		"an upper-case locale":        {"locale": "FR"},
		"a locale that is a number":   {"locale": 5},
		"an empty time zone":          {"time_zone": ""},
		"the server's own time zone":  {"time_zone": "Local"},
		"a time zone in another case": {"time_zone": "europe/paris"},
		"a time zone path":            {"time_zone": "../../etc/passwd"},
		"a time zone offset":          {"time_zone": "+02:00"},
		"a time zone that is a list":  {"time_zone": []string{"UTC"}},
		"an unknown field":            {"nickname": "Ada"},
		"an email change":             {"email": "other@acme.test"},
	} {
		res := patchMe(t, env, ada.AccessToken, body).Expect(t, http.StatusUnprocessableEntity)
		if len(problemFields(t, res)) != 1 {
			t.Errorf("%s: %s, want one field named", name, res.Body)
		}
	}
	if after := getMe(t, env, ada.AccessToken); after.String() != before.String() {
		t.Fatalf("refused changes changed the profile: %v, was %v", after, before)
	}
	patchMe(t, env, ada.AccessToken, map[string]any{"time_zone": "UTC"}).Expect(t, http.StatusOK)
	env.Do(t, http.MethodPatch, "/v1/me", testenv.Raw(`{"locale": "fr"`), testenv.WithBearer(ada.AccessToken)).Expect(t, http.StatusBadRequest)
	env.Do(t, http.MethodPatch, "/v1/me", map[string]any{"locale": "fr"}).Expect(t, http.StatusUnauthorized)
}
