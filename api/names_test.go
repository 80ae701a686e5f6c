package api_test

import (
	"net/http"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// badNames are names that would forge or disguise text, or carry a link,
// in the email subjects and bodies they appear in.
var badNames = map[string]string{
	"newline":       "Acme\r\nBcc: everyone@example.test",
	"tab":           "Acme\tCorp",
	"NUL":           "Acme\x00",
	"bidi override": "Acme \u202Emoc.live\u202C",
	"zero width":    "Ac\u200Bme",
	"URL":           "Acme https://evil.test/login",
	"scheme only":   "Acme hxxp://evil",
	"www":           "Visit www.evil",
	"bare domain":   "Acme at evil.com",
	"fullwidth dot": "evil．com",
	"email address": "ada@evil.com",
}

// goodNames must all be accepted.
var goodNames = []string{"Acme Inc.", "Zoë O'Brien-Smith", "J. R. R. Tolkien", "Café & Co", "株式会社テスト", "Verein e.V.", "مهرداد\u200cعلی"}

// TestNamesRefuseControlCharactersAndLinks: organization and person names
// appear in email subjects and bodies ("Join Acme on Onramp"), so each one
// that would forge a header, hide text or carry a link is a 422 naming its
// field, wherever it is set; real names of every script pass.
func TestNamesRefuseControlCharactersAndLinks(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.NewOrg(t, testenv.OrgOptions{})
	var invitations []string
	for what, name := range badNames {
		for _, field := range []string{"company_name", "full_name"} {
			body := map[string]any{"company_name": "Acme", "email": "ada@acme.test", "password": "correct horse battery", "full_name": "Ada"}
			body[field] = name
			res := env.Do(t, http.MethodPost, "/v1/signup", body).Expect(t, http.StatusUnprocessableEntity)
			if !problemFields(t, res)[field] {
				t.Errorf("signup with a %s in %s: %s", what, field, res.Body)
			}
		}
		res := env.Do(t, http.MethodPatch, "/v1/organization", map[string]any{"name": name}, testenv.WithBearer(owner.OwnerToken)).
			Expect(t, http.StatusUnprocessableEntity)
		if !problemFields(t, res)["name"] {
			t.Errorf("rename with a %s: %s", what, res.Body)
		}
		invitations = append(invitations, what)
	}
	for i, what := range invitations {
		email := "invitee" + string(rune('a'+i)) + "@acme.test"
		invite(t, env, owner.OwnerToken, email, "").Expect(t, http.StatusCreated)
		token := testenv.LinkToken(t, env.Mail.WaitFor(t, email, "Join").Text)
		res := env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": badNames[what], "password": "another long password"}).
			Expect(t, http.StatusUnprocessableEntity)
		if !problemFields(t, res)["full_name"] {
			t.Errorf("accepting with a %s in full_name: %s", what, res.Body)
		}
		if i == 0 { // the token is still good after a refusal
			env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": goodNames[1], "password": "another long password"}).
				Expect(t, http.StatusCreated)
		}
	}
	var orgs, users int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM users)`).Scan(&orgs, &users); err != nil || orgs != 1 || users != 2 {
		t.Fatalf("%d organizations, %d users (%v): a refused name left rows behind", orgs, users, err)
	}

	for _, name := range goodNames {
		env.Signup(t, testenv.SignupOptions{Company: name, FullName: name})
		env.Do(t, http.MethodPatch, "/v1/organization", map[string]any{"name": name}, testenv.WithBearer(owner.OwnerToken)).Expect(t, http.StatusOK)
	}
}
