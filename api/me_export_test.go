package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/onramp/onramp/internal/testing/testenv"
)

type exportDoc struct {
	User struct {
		ID       uuid.UUID `json:"id"`
		Email    string    `json:"email"`
		FullName string    `json:"full_name"`
		Locale   *string   `json:"locale"`
		TimeZone *string   `json:"time_zone"`
	} `json:"user"`
	Memberships []struct {
		OrganizationID uuid.UUID `json:"organization_id"`
		Role           string    `json:"role"`
	} `json:"memberships"`
	NotificationPreferences map[string]bool `json:"notification_preferences"`
	Emails                  []struct {
		Kind    string `json:"type"`
		Subject string `json:"subject"`
	} `json:"emails"`
	Onboarding struct {
		Members []struct {
			OrganizationID uuid.UUID  `json:"organization_id"`
			LeftAt         *time.Time `json:"left_at"`
			DismissedAt    *time.Time `json:"dismissed_at"`
			Steps          map[string]struct {
				Count       int        `json:"count"`
				CompletedAt *time.Time `json:"completed_at"`
			} `json:"steps"`
			EventCounts map[string]struct{ Count int } `json:"event_counts"`
			ActiveWeeks []activeWeek                   `json:"active_weeks"`
		} `json:"members"`
		Events []struct {
			OrganizationID uuid.UUID      `json:"organization_id"`
			ID             uuid.UUID      `json:"id"`
			Name           string         `json:"name"`
			Properties     map[string]any `json:"properties"`
		} `json:"events"`
	} `json:"onboarding"`
}

type activeWeek struct {
	Week int    `json:"week"`
	Name string `json:"name"`
}

// seedMemberRows gives a member row what onboarding keeps as the member
// goes: progress on a member step, a per-name count and an active week,
// all named after key so that whose they are shows in an export.
func seedMemberRows(t *testing.T, env *testenv.Env, orgID, userID uuid.UUID, key string) {
	t.Helper()
	for _, q := range []string{
		`UPDATE onboarding_members SET progress = jsonb_build_object($3::text, jsonb_build_object('count', 1, 'completed_at', now(), 'how', 'event'))
			WHERE organization_id = $1 AND user_id = $2`,
		`INSERT INTO onboarding_member_event_counts (organization_id, user_id, name, count, first_at, last_at)
			VALUES ($1, $2, $3, 7, now(), now()) ON CONFLICT DO NOTHING`,
		`INSERT INTO onboarding_member_weeks (organization_id, user_id, week, name) VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING`,
	} {
		if _, err := env.DB.Pool.Exec(t.Context(), q, orgID, userID, key); err != nil {
			t.Fatalf("seed member rows: %v", err)
		}
	}
}

// Two members of one company and the owner of another each have events,
// emails and member rows; the export of one of them holds exactly theirs,
// from every organization they are or were in.
func TestExportHoldsTheCallersDataAndNobodyElses(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ada := env.Signup(t, testenv.SignupOptions{Company: "Acme", Email: "ada@acme.test", FullName: "Ada Admin"})
	env.VerifyEmail(t, ada.User.Email)
	dan := env.Signup(t, testenv.SignupOptions{Company: "Globex", Email: "dan@globex.test", FullName: "Dan Director"})
	env.VerifyEmail(t, dan.User.Email)
	bob := joinAsNewUser(t, env, ada, "bob@acme.test", "Bob Builder")
	acme, globex := ada.Organization.ID, dan.Organization.ID

	// Bob was in Globex too, sent an event there, and was removed.
	bobAtGlobex := joinAsExistingUser(t, env, dan, bob)
	postEvents(t, env, bobAtGlobex.AccessToken, evp("guide_opened", map[string]any{"note": "bob-at-globex"})).Expect(t, http.StatusAccepted)
	env.Do(t, http.MethodDelete, "/v1/organization/members/"+bob.User.ID.String(), nil, testenv.WithBearer(dan.AccessToken)).
		Expect(t, http.StatusNoContent)

	postEvents(t, env, ada.AccessToken, evp("ada_event", map[string]any{"note": "ada-private-note"})).Expect(t, http.StatusAccepted)
	postEvents(t, env, dan.AccessToken, evp("dan_event", map[string]any{"note": "dan-private-note"})).Expect(t, http.StatusAccepted)
	postEvents(t, env, bob.AccessToken, evp("session_booked", map[string]any{"note": "bob-own-note"}), ev("guide_opened", time.Now())).
		Expect(t, http.StatusAccepted)
	env.Do(t, http.MethodPost, "/v1/onboarding/checklist/dismiss", nil, testenv.WithBearer(bob.AccessToken)).Expect(t, http.StatusOK)
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "bob@acme.test"}).Expect(t, http.StatusAccepted)
	env.Mail.WaitFor(t, "bob@acme.test", "Reset your password")
	seedMemberRows(t, env, acme, bob.User.ID, "bob_step")
	seedMemberRows(t, env, acme, ada.User.ID, "ada_step")
	seedMemberRows(t, env, globex, dan.User.ID, "dan_step")
	patchMe(t, env, bob.AccessToken, map[string]any{"locale": "fr", "time_zone": "Europe/Paris"}).Expect(t, http.StatusOK)

	res := env.Do(t, http.MethodGet, "/v1/me/export", nil, testenv.WithBearer(bob.AccessToken)).Expect(t, http.StatusOK)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
	}
	var doc exportDoc
	res.Decode(t, &doc)

	if doc.User.ID != bob.User.ID || doc.User.Email != "bob@acme.test" || doc.User.FullName != "Bob Builder" ||
		str(doc.User.Locale) != "fr" || str(doc.User.TimeZone) != "Europe/Paris" {
		t.Errorf("user %+v", doc.User)
	}
	if len(doc.Memberships) != 1 || doc.Memberships[0].OrganizationID != acme || doc.Memberships[0].Role != "member" {
		t.Errorf("memberships %+v, want Acme only (Globex removed him)", doc.Memberships)
	}
	if !doc.NotificationPreferences["onboarding_tips"] {
		t.Errorf("notification preferences %v, want the default onboarding_tips: true", doc.NotificationPreferences)
	}
	var emails []string
	for _, e := range doc.Emails {
		emails = append(emails, e.Kind+": "+e.Subject)
	}
	if want := []string{"invitation: Join Acme on Onramp", "invitation: Join Globex on Onramp", "password_reset: Reset your password"}; !slices.Equal(emails, want) {
		t.Errorf("emails %q, want %q", emails, want)
	}

	// His member rows, in both organizations, and nobody else's.
	if len(doc.Onboarding.Members) != 2 {
		t.Fatalf("member rows %+v, want Acme and Globex", doc.Onboarding.Members)
	}
	for _, m := range doc.Onboarding.Members {
		switch m.OrganizationID {
		case acme:
			if m.LeftAt != nil || m.DismissedAt == nil || m.Steps["bob_step"].Count != 1 || m.Steps["bob_step"].CompletedAt == nil ||
				len(m.Steps) != 1 || m.EventCounts["bob_step"].Count != 7 ||
				!slices.ContainsFunc(m.ActiveWeeks, func(w activeWeek) bool { return w.Name == "bob_step" }) {
				t.Errorf("Acme member row %+v", m)
			}
		case globex:
			if m.LeftAt == nil {
				t.Errorf("Globex member row %+v, want left_at set", m)
			}
		default:
			t.Errorf("member row of organization %s", m.OrganizationID)
		}
	}

	// Exactly the events stored with his id, in both organizations.
	rows, err := env.DB.Pool.Query(t.Context(), `SELECT id FROM onboarding_events WHERE user_id = $1 ORDER BY id`, bob.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatal(err)
	}
	var exported []uuid.UUID
	notes := map[string]bool{}
	for _, e := range doc.Onboarding.Events {
		exported = append(exported, e.ID)
		if n, ok := e.Properties["note"].(string); ok {
			notes[n] = true
		}
	}
	slices.SortFunc(exported, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	if !slices.Equal(exported, stored) || len(stored) < 3 {
		t.Errorf("exported events %v, stored with his id %v", exported, stored)
	}
	if !notes["bob-own-note"] || !notes["bob-at-globex"] {
		t.Errorf("event properties %v, want his notes from both organizations", notes)
	}

	assertNotIn(t, res.Body, "ada@acme.test", "Ada Admin", "dan@globex.test", "Dan Director", ada.User.ID.String(), dan.User.ID.String(),
		"ada-private-note", "dan-private-note", "ada_event", "dan_event", "ada_step", "dan_step", "Confirm your email address",
		// Email bodies are never kept: the invitation's named its sender.
		"invited you")

	// Ada's export is hers: none of Bob's.
	adaDoc := env.Do(t, http.MethodGet, "/v1/me/export", nil, testenv.WithBearer(ada.AccessToken)).Expect(t, http.StatusOK)
	assertNotIn(t, adaDoc.Body, "bob@acme.test", "Bob Builder", bob.User.ID.String(), "bob-own-note", "bob_step", "session_booked")
	env.Do(t, http.MethodGet, "/v1/me/export", nil).Expect(t, http.StatusUnauthorized)
}

// A staff user, with no organization, exports their account alone.
func TestExportOfAStaffUser(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	staffID, staff := env.StaffToken(t)
	var doc exportDoc
	env.Do(t, http.MethodGet, "/v1/me/export", nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Decode(t, &doc)
	if doc.User.ID != staffID || len(doc.Memberships) != 0 || len(doc.Emails) != 0 || len(doc.Onboarding.Members) != 0 || len(doc.Onboarding.Events) != 0 {
		t.Fatalf("staff export %+v", doc)
	}
}

// Emails sent to an address before it had an account (an invitation) are
// in the export only once the address is proved: until then it may be
// someone else's, and the subject would tell who invited them.
func TestExportShowsEmailsToTheAddressOnceItIsVerified(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ada := env.Signup(t, testenv.SignupOptions{Company: "Acme"})
	env.VerifyEmail(t, ada.User.Email)
	invite(t, env, ada.AccessToken, "eve@example.test", "member").Expect(t, http.StatusCreated)
	eve := env.Signup(t, testenv.SignupOptions{Company: "Eve Co", Email: "eve@example.test"})

	subjects := func() []string {
		var doc exportDoc
		env.Do(t, http.MethodGet, "/v1/me/export", nil, testenv.WithBearer(eve.AccessToken)).Expect(t, http.StatusOK).Decode(t, &doc)
		var out []string
		for _, e := range doc.Emails {
			out = append(out, e.Subject)
		}
		return out
	}
	if got, want := subjects(), []string{"Confirm your email address"}; !slices.Equal(got, want) {
		t.Fatalf("unverified: emails %q, want %q", got, want)
	}
	env.VerifyEmail(t, "eve@example.test")
	if got, want := subjects(), []string{"Join Acme on Onramp", "Confirm your email address"}; !slices.Equal(got, want) {
		t.Fatalf("verified: emails %q, want %q", got, want)
	}
}

// The member rows the service keeps as a member's events arrive read back
// in their export: progress on a member step, counts, weeks.
func TestExportShowsMemberStepProgressKeptByIngestion(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, alice := env.NewMember(t, org.ID, "member")
	_, bob := env.NewMember(t, org.ID, "member")
	publishSteps(t, env, staff, memberStep(eventStep("first_session", "session_booked", 1, true)))
	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond)
	postEvents(t, env, alice, ev("session_booked", at)).Expect(t, http.StatusAccepted)
	postEvents(t, env, bob, ev("guide_opened", at)).Expect(t, http.StatusAccepted)

	var doc exportDoc
	env.Do(t, http.MethodGet, "/v1/me/export", nil, testenv.WithBearer(alice)).Expect(t, http.StatusOK).Decode(t, &doc)
	if len(doc.Onboarding.Members) != 1 {
		t.Fatalf("member rows %+v", doc.Onboarding.Members)
	}
	m := doc.Onboarding.Members[0]
	step := m.Steps["first_session"]
	if step.Count != 1 || step.CompletedAt == nil || !step.CompletedAt.Equal(at) || m.EventCounts["session_booked"].Count != 1 ||
		m.EventCounts["guide_opened"].Count != 0 || !slices.ContainsFunc(m.ActiveWeeks, func(w activeWeek) bool { return w.Name == "session_booked" }) {
		t.Errorf("Alice's member row %+v", m)
	}
	if len(doc.Onboarding.Events) != 1 || doc.Onboarding.Events[0].Name != "session_booked" {
		t.Errorf("Alice's events %+v", doc.Onboarding.Events)
	}
}
