package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/onramp/onramp/internal/testing/testenv"
)

func eraseMe(t *testing.T, env *testenv.Env, token, password string) *testenv.Response {
	t.Helper()
	return env.Do(t, http.MethodDelete, "/v1/me", map[string]any{"password": password}, testenv.WithBearer(token))
}

// eventCounts is the organization's per-name event counters.
func eventCounts(t *testing.T, env *testenv.Env, orgID uuid.UUID) map[string]int64 {
	t.Helper()
	rows, err := env.DB.Pool.Query(t.Context(), `SELECT name, count FROM onboarding_event_counts WHERE organization_id = $1`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	var name string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&name, &n}, func() error { out[name] = n; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// Bob is the sole member of his own company, a member of Acme, and has a
// pending invitation from Globex; he sent events, dismissed the checklist,
// asked for a reset link and got a lockout hit. Erasing his account leaves
// his address, name and event properties nowhere in the database; his own
// company goes, Acme keeps his events without him and its counters, and
// his tokens stop working at once.
func TestEraseAccountLeavesNoEmailOrNameBehind(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	const email, name, note = "bartholomew@quill.test", "Bartholomew Quill", "bob-own-note"
	ada := env.Signup(t, testenv.SignupOptions{Company: "Acme", Email: "ada@acme.test", FullName: "Ada Admin"})
	env.VerifyEmail(t, ada.User.Email)
	dan := env.Signup(t, testenv.SignupOptions{Company: "Globex", Email: "dan@globex.test", FullName: "Dan Director"})
	env.VerifyEmail(t, dan.User.Email)
	bobOwn := env.Signup(t, testenv.SignupOptions{Company: "Quill Practice", Email: email, FullName: name})
	postEvents(t, env, bobOwn.AccessToken, evp("practice_opened", map[string]any{"note": note})).Expect(t, http.StatusAccepted)
	bob := joinAsExistingUser(t, env, ada, bobOwn) // proves the address: verified
	acme, own := ada.Organization.ID, bobOwn.Organization.ID

	postEvents(t, env, ada.AccessToken, evp("ada_event", map[string]any{"note": "ada-note"})).Expect(t, http.StatusAccepted)
	postEvents(t, env, bob.AccessToken, evp("session_booked", map[string]any{"note": note}), ev("guide_opened", time.Now())).
		Expect(t, http.StatusAccepted)
	env.Do(t, http.MethodPost, "/v1/onboarding/checklist/dismiss", nil, testenv.WithBearer(bob.AccessToken)).Expect(t, http.StatusOK)
	patchMe(t, env, bob.AccessToken, map[string]any{"locale": "fr", "time_zone": "Europe/Paris"}).Expect(t, http.StatusOK)
	seedMemberRows(t, env, acme, bob.User.ID, "bob_step")
	invite(t, env, dan.AccessToken, email, "member").Expect(t, http.StatusCreated)
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": email}).Expect(t, http.StatusAccepted)
	env.Mail.WaitFor(t, email, "Réinitialisez votre mot de passe") // he reads French (locale above)
	waitForJobs(t, env, "send_email")
	bobEvents := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1 AND user_id = $2 AND source = 'client'`, acme, bob.User.ID)
	acmeEvents := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1`, acme)
	counts := eventCounts(t, env, acme)

	// A wrong password changes nothing (and counts as a failed sign-in).
	if code := eraseMe(t, env, bob.AccessToken, "not my password").Expect(t, http.StatusForbidden).Code(t); code != "wrong_password" {
		t.Fatalf("wrong password: code %q", code)
	}
	eraseMe(t, env, bob.AccessToken, "").Expect(t, http.StatusUnprocessableEntity)
	if u := getMe(t, env, bob.AccessToken); u.Email != email {
		t.Fatalf("after a refused erasure: %v", u)
	}
	if found := rowsMentioning(t, env, email); found["rate_limit_hits"] == 0 || found["sent_emails"] == 0 || found["invitations"] == 0 {
		t.Fatalf("the fixture should leave the address in rate limits, sent emails and invitations: %v", found)
	}

	eraseMe(t, env, bob.AccessToken, testenv.DefaultPassword).Expect(t, http.StatusNoContent)

	// No address, name or event property of his anywhere (a sign-in attempt with the
	// address, below, records it again in the failure limits, as for any
	// address).
	for _, s := range []string{email, name, note} {
		if found := rowsMentioning(t, env, s); len(found) > 0 {
			t.Errorf("%q is still in %v", s, found)
		}
	}
	// Every token from before stops working at once.
	for _, s := range []testenv.Session{bob, bobOwn} {
		env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusUnauthorized)
		env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": s.RefreshToken}).Expect(t, http.StatusUnauthorized)
	}
	// Signing in with the old address fails like an unknown one.
	old := env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": email, "password": testenv.DefaultPassword}).
		Expect(t, http.StatusUnauthorized).Map(t)
	unknown := env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "nobody@quill.test", "password": testenv.DefaultPassword}).
		Expect(t, http.StatusUnauthorized).Map(t)
	if old["detail"] != unknown["detail"] || old["code"] != unknown["code"] {
		t.Errorf("login with the erased address answers %v, an unknown one %v", old, unknown)
	}
	tombstone := bob.User.ID.String() + "@erased.invalid"
	env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": tombstone, "password": ""}).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": tombstone, "password": "x"}).Expect(t, http.StatusUnauthorized)

	var u struct {
		Email, FullName, PasswordHash string
		Locale, TimeZone              *string
		ErasedAt                      *time.Time
	}
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT email, full_name, password_hash, locale, time_zone, erased_at FROM users WHERE id = $1`,
		bob.User.ID).Scan(&u.Email, &u.FullName, &u.PasswordHash, &u.Locale, &u.TimeZone, &u.ErasedAt); err != nil {
		t.Fatal(err)
	}
	if u.Email != tombstone || u.FullName != "" || u.PasswordHash != "" || u.Locale != nil || u.TimeZone != nil || u.ErasedAt == nil {
		t.Errorf("tombstone %+v", u)
	}
	for _, c := range []struct {
		what, query string
		arg         uuid.UUID
	}{
		{"his own company", `SELECT count(*) FROM organizations WHERE id = $1`, own},
		{"his own company's events", `SELECT count(*) FROM onboarding_events WHERE organization_id = $1`, own},
		{"memberships", `SELECT count(*) FROM memberships WHERE user_id = $1`, bob.User.ID},
		{"member rows", `SELECT count(*) FROM onboarding_members WHERE user_id = $1`, bob.User.ID},
		{"member counts", `SELECT count(*) FROM onboarding_member_event_counts WHERE user_id = $1`, bob.User.ID},
		{"member weeks", `SELECT count(*) FROM onboarding_member_weeks WHERE user_id = $1`, bob.User.ID},
		{"dismissals", `SELECT count(*) FROM onboarding_dismissals WHERE user_id = $1`, bob.User.ID},
		{"events with his id", `SELECT count(*) FROM onboarding_events WHERE user_id = $1`, bob.User.ID},
		{"email tokens", `SELECT count(*) FROM email_tokens WHERE user_id = $1`, bob.User.ID},
		{"live sessions", `SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL`, bob.User.ID},
		{"anonymous client events with properties", `SELECT count(*) FROM onboarding_events
			WHERE organization_id = $1 AND user_id IS NULL AND properties <> '{}' AND source = 'client'`, acme},
	} {
		if n := scalar[int](t, env, c.query, c.arg); n != 0 {
			t.Errorf("%s: %d left", c.what, n)
		}
	}

	// Acme keeps his events, anonymized, and its counters; it learns that
	// someone left, not who.
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1 AND user_id IS NULL AND source = 'client'`, acme); n != bobEvents {
		t.Errorf("%d anonymous client events in Acme, want his %d", n, bobEvents)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1 AND name = 'member_left' AND user_id IS NULL`, acme); n != 1 {
		t.Errorf("%d anonymous member_left events in Acme, want 1", n)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1 AND name <> 'member_left'`, acme); n != acmeEvents {
		t.Errorf("Acme has %d events besides member_left, had %d", n, acmeEvents)
	}
	after := eventCounts(t, env, acme)
	delete(after, "member_left")
	if len(after) != len(counts) {
		t.Errorf("Acme's counters went from %v to %v", counts, after)
	}
	for k, n := range counts {
		if after[k] != n {
			t.Errorf("Acme's %s counter went from %d to %d", k, n, after[k])
		}
	}
	if u := getMe(t, env, ada.AccessToken); u.Email != "ada@acme.test" {
		t.Errorf("Ada: %v", u)
	}
	// The address is free again.
	env.Signup(t, testenv.SignupOptions{Email: email, FullName: name})
}

func TestEraseAccountRefusesTheLastOwnerWithOtherMembers(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ada := env.Signup(t, testenv.SignupOptions{Company: "Acme", FullName: "Ada Admin"})
	env.VerifyEmail(t, ada.User.Email)
	dan := env.Signup(t, testenv.SignupOptions{Company: "Globex"})
	env.VerifyEmail(t, dan.User.Email)
	carol := joinAsNewUser(t, env, ada, "carol@acme.test", "Carol Member")
	joinAsExistingUser(t, env, dan, ada)

	res := eraseMe(t, env, ada.AccessToken, testenv.DefaultPassword).Expect(t, http.StatusConflict)
	if res.Code(t) != "last_owner" {
		t.Fatalf("code %q, want last_owner", res.Code(t))
	}
	// Nothing half-done: she is still in both organizations, signed in.
	if n := scalar[int](t, env, `SELECT count(*) FROM memberships WHERE user_id = $1`, ada.User.ID); n != 2 {
		t.Fatalf("%d memberships left after a refusal, want 2", n)
	}
	getMe(t, env, ada.AccessToken)

	env.Do(t, http.MethodPatch, "/v1/organization/members/"+carol.User.ID.String(), map[string]any{"role": "owner"},
		testenv.WithBearer(ada.AccessToken)).Expect(t, http.StatusOK)
	eraseMe(t, env, ada.AccessToken, testenv.DefaultPassword).Expect(t, http.StatusNoContent)
	if n := scalar[int](t, env, `SELECT count(*) FROM memberships WHERE organization_id IN ($1, $2)`, ada.Organization.ID, dan.Organization.ID); n != 2 {
		t.Fatalf("%d memberships left in Acme and Globex, want Carol's and Dan's", n)
	}
	getMe(t, env, carol.AccessToken)
}

// The sole member of a company erases it with their account, unless its
// subscription is still live.
func TestEraseAccountOfTheSoleMemberErasesTheCompanyOnceNotPaying(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	erin := env.Signup(t, testenv.SignupOptions{Company: "Initech"})
	org := erin.Organization.ID
	postEvents(t, env, erin.AccessToken, ev("app_opened", time.Now())).Expect(t, http.StatusAccepted)
	subscribe(t, env, org, "active", 3)

	for _, status := range []string{"active", "trialing", "past_due", "unpaid", "paused", "incomplete"} {
		if _, err := env.DB.Pool.Exec(t.Context(), `UPDATE organizations SET billing_status = $2 WHERE id = $1`, org, status); err != nil {
			t.Fatal(err)
		}
		if code := eraseMe(t, env, erin.AccessToken, testenv.DefaultPassword).Expect(t, http.StatusConflict).Code(t); code != "subscription_active" {
			t.Fatalf("%s: code %q, want subscription_active", status, code)
		}
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM organizations WHERE id = $1`, org); n != 1 {
		t.Fatal("a refused erasure erased the company")
	}

	// As after customer.subscription.deleted.
	if _, err := env.DB.Pool.Exec(t.Context(), `UPDATE organizations SET billing_status = 'canceled' WHERE id = $1`, org); err != nil {
		t.Fatal(err)
	}
	eraseMe(t, env, erin.AccessToken, testenv.DefaultPassword).Expect(t, http.StatusNoContent)
	for _, table := range []string{"organizations", "subscriptions", "onboarding_events", "onboarding_organizations", "invitations"} {
		col := "organization_id"
		if table == "organizations" {
			col = "id"
		}
		if n := scalar[int](t, env, `SELECT count(*) FROM `+table+` WHERE `+col+` = $1`, org); n != 0 {
			t.Errorf("%d rows of the erased company in %s", n, table)
		}
	}
}

// A signup sent with an Idempotency-Key keeps its answer for a day, to
// replay it; erasing the account takes that answer (email, name) away too.
func TestEraseAccountForgetsTheSignupReplay(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	body := map[string]any{"company_name": "Solo", "email": "solo@erase.test", "password": "correct horse battery", "full_name": "Sol Owner"}
	var s struct {
		AccessToken string `json:"access_token"`
	}
	env.Do(t, http.MethodPost, "/v1/signup", body, testenv.WithHeader("Idempotency-Key", "solo-signup")).
		Expect(t, http.StatusCreated).Decode(t, &s)
	kept := `SELECT count(*) FROM idempotency_keys WHERE position(convert_to($1, 'UTF8') IN response_body) > 0`
	if n := scalar[int](t, env, kept, "solo@erase.test"); n != 1 {
		t.Fatalf("%d replay rows hold the signup's answer before erasure, want 1", n)
	}
	eraseMe(t, env, s.AccessToken, "correct horse battery").Expect(t, http.StatusNoContent)
	for _, text := range []string{"solo@erase.test", "Sol Owner"} {
		if n := scalar[int](t, env, kept, text); n != 0 {
			t.Errorf("%d replay rows still hold %q after erasure", n, text)
		}
	}
}

// An organization step an erased member ticked stays ticked, without
// their id.
func TestEraseAccountKeepsTheirTicksWithoutTheirID(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	ada := env.Signup(t, testenv.SignupOptions{Company: "Acme", Email: "ada@ticks.test", FullName: "Ada Admin"})
	env.VerifyEmail(t, ada.User.Email)
	bob := joinAsNewUser(t, env, ada, "bob@ticks.test", "Bob Ticker")
	publishSteps(t, env, staff, manualStep("welcome_pack", false))
	env.Do(t, http.MethodPost, "/v1/onboarding/checklist/steps/welcome_pack/complete", nil, testenv.WithBearer(bob.AccessToken)).Expect(t, http.StatusOK)
	holds := `SELECT count(*) FROM onboarding_organizations WHERE organization_id = $1 AND strpos(progress::text, $2) > 0`
	if n := scalar[int](t, env, holds, ada.Organization.ID, bob.User.ID.String()); n != 1 {
		t.Fatalf("the fixture should name bob in the organization's progress")
	}
	eraseMe(t, env, bob.AccessToken, testenv.DefaultPassword).Expect(t, http.StatusNoContent)
	if n := scalar[int](t, env, holds, ada.Organization.ID, bob.User.ID.String()); n != 0 {
		t.Fatal("the organization's progress still names the erased member")
	}
	if status, _, _, _ := checklist(t, env, ada.AccessToken).step(t, "welcome_pack"); status != "completed" {
		t.Fatalf("welcome_pack after the erasure: %s, want still completed", status)
	}
}
