package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// inviteIn invites email as a member in locale ("" leaves it out).
func inviteIn(t *testing.T, env *testenv.Env, token, email, locale string, opts ...testenv.RequestOption) *testenv.Response {
	t.Helper()
	body := map[string]any{"email": email}
	if locale != "" {
		body["locale"] = locale
	}
	return env.Do(t, http.MethodPost, "/v1/organization/invitations", body, append(opts, testenv.WithBearer(token))...)
}

// An invitation is written in the language its sender chose, else the
// sender's own, else the one the request's Accept-Language prefers, else
// DEFAULT_LOCALE; it shows and keeps that language.
func TestInvitationsAreWrittenInTheirLanguage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{Name: "Acmé"}) // the owner never said their language
	french := testenv.WithHeader("Accept-Language", "fr-FR,fr;q=0.9")

	cases := []struct {
		email, locale string
		opts          []testenv.RequestOption
		want          string // the invitation's locale
		subject       string
	}{
		{"chosen@acme.test", "fr", nil, "fr", "Rejoignez Acmé sur Onramp"},
		{"header@acme.test", "", []testenv.RequestOption{french}, "fr", "Rejoignez Acmé sur Onramp"},
		{"default@acme.test", "", nil, "en", "Join Acmé on Onramp"},
	}
	for _, c := range cases {
		body := inviteIn(t, env, org.OwnerToken, c.email, c.locale, c.opts...).Expect(t, http.StatusCreated).Map(t)
		if body["locale"] != c.want {
			t.Errorf("%s: invitation locale %v, want %s", c.email, body["locale"], c.want)
		}
		if got := scalar[string](t, env, `SELECT locale FROM invitations WHERE email = $1`, c.email); got != c.want {
			t.Errorf("%s: stored locale %q, want %s", c.email, got, c.want)
		}
		env.Mail.WaitFor(t, c.email, c.subject)
	}

	// Once the inviter said theirs, it wins over the header; a chosen
	// locale wins over both.
	env.Do(t, http.MethodPatch, "/v1/me", map[string]any{"locale": "en"}, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
	if got := inviteIn(t, env, org.OwnerToken, "inviter@acme.test", "", french).Expect(t, http.StatusCreated).Map(t)["locale"]; got != "en" {
		t.Errorf("the inviter's own language lost to Accept-Language: %v", got)
	}
	env.Mail.WaitFor(t, "inviter@acme.test", "Join Acmé on Onramp")
	m := env.Mail.WaitFor(t, "chosen@acme.test", "Rejoignez")
	if !strings.Contains(m.Text, "vous invite à rejoindre Acmé sur Onramp.") || !strings.Contains(m.Text, "ouvrez ce lien\u00a0:") {
		t.Errorf("the French invitation:\n%s", m.Text)
	}

	// The list shows each invitation's language.
	var list struct {
		Items []struct{ Email, Locale string }
	}
	env.Do(t, http.MethodGet, "/v1/organization/invitations", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK).Decode(t, &list)
	got := map[string]string{}
	for _, i := range list.Items {
		got[i.Email] = i.Locale
	}
	if got["chosen@acme.test"] != "fr" || got["default@acme.test"] != "en" || got["inviter@acme.test"] != "en" {
		t.Errorf("listed locales %v", got)
	}

	// Another language, or an empty one, is refused naming the field, and
	// nothing is sent.
	for _, bad := range []any{"de", "", "FR", 3} {
		res := env.Do(t, http.MethodPost, "/v1/organization/invitations", map[string]any{"email": "bad@acme.test", "locale": bad},
			testenv.WithBearer(org.OwnerToken))
		if f := problemFields(t, res.Expect(t, http.StatusUnprocessableEntity)); !f["locale"] {
			t.Errorf("locale %q: fields %s", bad, res.Body)
		}
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM invitations WHERE email = 'bad@acme.test'`); n != 0 {
		t.Error("a refused invitation was stored")
	}
}

// Without any language said, invitations are in DEFAULT_LOCALE.
func TestInvitationsDefaultToTheConfiguredLanguage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.DefaultLocale = mail.French })
	org := env.NewOrg(t, testenv.OrgOptions{Name: "Acme"})
	if got := inviteIn(t, env, org.OwnerToken, "bob@acme.test", "").Expect(t, http.StatusCreated).Map(t)["locale"]; got != "fr" {
		t.Errorf("locale %v, want DEFAULT_LOCALE fr", got)
	}
	env.Mail.WaitFor(t, "bob@acme.test", "Rejoignez Acme sur Onramp")
}

// A new member reads the language of the invitation they accepted, unless
// they say another; a signed-in user keeps theirs (PATCH /v1/me changes it).
func TestAcceptingTakesTheInvitationsLanguage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{Name: "Acme"})
	accept := func(email string, extra map[string]any) (testenv.Session, string) {
		token := testenv.LinkToken(t, env.Mail.WaitFor(t, email, "Acme").Text)
		body := map[string]any{"token": token, "full_name": "Bob Builder", "password": "another long password"}
		for k, v := range extra {
			body[k] = v
		}
		var s testenv.Session
		res := env.Do(t, http.MethodPost, "/v1/invitations/accept", body).Expect(t, http.StatusCreated)
		res.Decode(t, &s)
		locale, _ := res.Map(t)["user"].(map[string]any)["locale"].(string)
		return s, locale
	}

	inviteIn(t, env, org.OwnerToken, "bob@acme.test", "fr").Expect(t, http.StatusCreated)
	bob, shown := accept("bob@acme.test", nil)
	if got := scalar[string](t, env, `SELECT locale FROM users WHERE id = $1`, bob.User.ID); got != "fr" || shown != "fr" {
		t.Errorf("the new member's locale %q (shown %q), want the invitation's fr", got, shown)
	}
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "bob@acme.test"}).Expect(t, http.StatusAccepted)
	env.Mail.WaitFor(t, "bob@acme.test", "Réinitialisez votre mot de passe")

	inviteIn(t, env, org.OwnerToken, "carol@acme.test", "fr").Expect(t, http.StatusCreated)
	carol, _ := accept("carol@acme.test", map[string]any{"locale": "en"})
	if got := scalar[string](t, env, `SELECT locale FROM users WHERE id = $1`, carol.User.ID); got != "en" {
		t.Errorf("the new member's chosen locale %q, want en", got)
	}

	inviteIn(t, env, org.OwnerToken, "dan@acme.test", "fr").Expect(t, http.StatusCreated)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, "dan@acme.test", "Acme").Text)
	res := env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": "Dan", "password": "another long password", "locale": "de"}).
		Expect(t, http.StatusUnprocessableEntity)
	if !problemFields(t, res)["locale"] {
		t.Errorf("fields %s", res.Body)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM users WHERE email = 'dan@acme.test'`); n != 0 {
		t.Error("a refused acceptance created the user")
	}

	// An existing user accepting with their token keeps their language.
	other := env.NewOrg(t, testenv.OrgOptions{Name: "Globex"})
	inviteIn(t, env, other.OwnerToken, "bob@acme.test", "en").Expect(t, http.StatusCreated)
	token = testenv.LinkToken(t, env.Mail.WaitFor(t, "bob@acme.test", "Join Globex").Text)
	res = env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "locale": "en"}, testenv.WithBearer(bob.AccessToken)).
		Expect(t, http.StatusUnprocessableEntity)
	if !problemFields(t, res)["locale"] {
		t.Errorf("fields %s", res.Body)
	}
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token}, testenv.WithBearer(bob.AccessToken)).Expect(t, http.StatusCreated)
	if got := scalar[string](t, env, `SELECT locale FROM users WHERE id = $1`, bob.User.ID); got != "fr" {
		t.Errorf("accepting as a signed-in user changed their locale to %q", got)
	}
}

// reminderLink mints an invitation reminder's link in a transaction of its
// own, as the nudge sweep does in its.
func reminderLink(t *testing.T, env *testenv.Env, orgID, invitationID uuid.UUID) (string, error) {
	t.Helper()
	var link string
	err := env.DB.InTx(context.Background(), func(tx *database.Tx) error {
		var err error
		link, err = env.App.Accounts.InvitationReminderLink(context.Background(), tx, orgID, invitationID)
		return err
	})
	return link, err
}

// A reminder's link accepts the invitation as the first email's does; a
// newer reminder's replaces the older one's, the first email's keeps
// working, and once the invitation is accepted through either, neither
// works. Only hashes are stored.
func TestInvitationReminderLinks(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{Name: "Acme"})
	acceptWith := func(token string) *testenv.Response {
		return env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": "Bob Builder", "password": "another long password"})
	}
	newInvitation := func(email string) (uuid.UUID, string) {
		var inv invitation
		inviteIn(t, env, org.OwnerToken, email, "").Expect(t, http.StatusCreated).Decode(t, &inv)
		return inv.ID, testenv.LinkToken(t, env.Mail.WaitFor(t, email, "Join Acme").Text)
	}

	// Accepted through a reminder: the first link and the reminder's are
	// both spent.
	bobID, bobFirst := newInvitation("bob@acme.test")
	older, err := reminderLink(t, env, org.ID, bobID)
	if err != nil {
		t.Fatal(err)
	}
	link, err := reminderLink(t, env, org.ID, bobID)
	if err != nil || !strings.HasPrefix(link, "http://onramp.test/accept-invitation?token=") {
		t.Fatalf("reminder link %q, %v", link, err)
	}
	reminder := testenv.LinkToken(t, link)
	var stored []byte
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT reminder_token_hash FROM invitations WHERE id = $1`, bobID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 32 || strings.Contains(string(stored), reminder) {
		t.Fatal("the reminder token is not stored as a hash")
	}
	acceptWith(testenv.LinkToken(t, older)).Expect(t, http.StatusUnprocessableEntity) // replaced by the newer reminder
	var bob testenv.Session
	acceptWith(reminder).Expect(t, http.StatusCreated).Decode(t, &bob)
	if bob.Organization.ID != org.ID || bob.User.Email != "bob@acme.test" {
		t.Fatalf("accepted through the reminder: %+v", bob)
	}
	acceptWith(reminder).Expect(t, http.StatusUnprocessableEntity)
	acceptWith(bobFirst).Expect(t, http.StatusUnprocessableEntity)

	// Accepted through the first link: the reminder's is spent too.
	carolID, carolFirst := newInvitation("carol@acme.test")
	link, err = reminderLink(t, env, org.ID, carolID)
	if err != nil {
		t.Fatal(err)
	}
	acceptWith(carolFirst).Expect(t, http.StatusCreated)
	acceptWith(testenv.LinkToken(t, link)).Expect(t, http.StatusUnprocessableEntity)

	// No reminder for an accepted invitation, nor for another
	// organization's: nothing is stored either way.
	if _, err := reminderLink(t, env, org.ID, carolID); !apperr.Is(err, apperr.CodeConflict) {
		t.Errorf("a reminder for an accepted invitation: %v", err)
	}
	other := env.NewOrg(t, testenv.OrgOptions{})
	if _, err := reminderLink(t, env, other.ID, bobID); !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("a reminder for another organization's invitation: %v", err)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM invitations WHERE id = $1 AND reminder_token_hash IS NULL`, carolID); n != 0 {
		t.Error("carol's reminder hash vanished")
	}
	// A revoked invitation's reminder link stops working.
	danID, _ := newInvitation("dan@acme.test")
	link, err = reminderLink(t, env, org.ID, danID)
	if err != nil {
		t.Fatal(err)
	}
	env.Do(t, http.MethodDelete, "/v1/organization/invitations/"+danID.String(), nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusNoContent)
	acceptWith(testenv.LinkToken(t, link)).Expect(t, http.StatusUnprocessableEntity)
}
