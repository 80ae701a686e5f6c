package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// frenchText is a step's French translation.
func frenchText(title, description string) map[string]any {
	return map[string]any{"fr": map[string]any{"title": title, "description": description}}
}

// Steps carry their French text: checked like their own, kept on the
// draft, audited, published with the version, and shown by the admin
// routes.
func TestStepTranslationsAreDraftedAuditedAndPublished(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)

	step := manualStep("invite_team", true)
	step["translations"] = frenchText("Invitez votre équipe", "Envoyez une invitation à vos collègues.")
	created := env.Do(t, "POST", "/v1/admin/onboarding/steps", step, as).Expect(t, http.StatusCreated).Map(t)
	fr, _ := created["translations"].(map[string]any)["fr"].(map[string]any)
	if fr["title"] != "Invitez votre équipe" || fr["description"] != "Envoyez une invitation à vos collègues." {
		t.Fatalf("created step translations %v", created["translations"])
	}
	if got := scalar[string](t, env, `SELECT translations->'fr'->>'title' FROM onboarding_steps WHERE key = 'invite_team'`); got != "Invitez votre équipe" {
		t.Fatalf("stored translation %q", got)
	}
	// A step without translations shows none.
	plain := env.Do(t, "POST", "/v1/admin/onboarding/steps", manualStep("plain_step", false), as).Expect(t, http.StatusCreated).Map(t)
	if tr, ok := plain["translations"].(map[string]any); !ok || len(tr) != 0 {
		t.Fatalf("a step without translations shows %v", plain["translations"])
	}

	// Bad translations are refused naming each field, and nothing changes.
	long := strings.Repeat("é", 101) // 202 bytes
	for _, c := range []struct {
		translations any
		field        string
	}{
		{map[string]any{"de": map[string]any{"title": "Laden Sie Ihr Team ein", "description": ""}}, "translations.de"},
		{map[string]any{"en": map[string]any{"title": "Invite", "description": ""}}, "translations.en"},
		{frenchText("", "Envoyez une invitation."), "translations.fr.title"},
		{frenchText(long, ""), "translations.fr.title"},
		{frenchText("Invitez", strings.Repeat("x", 2001)), "translations.fr.description"},
	} {
		res := env.Do(t, "PATCH", "/v1/admin/onboarding/steps/invite_team", map[string]any{"translations": c.translations}, as).
			Expect(t, http.StatusUnprocessableEntity)
		if !problemFields(t, res)[c.field] {
			t.Errorf("%v: want an error on %s, got %s", c.translations, c.field, res.Body)
		}
	}
	bad := manualStep("bad_step", false)
	bad["translations"] = map[string]any{"es": map[string]any{"title": "Invite a su equipo", "description": ""}}
	if !problemFields(t, env.Do(t, "POST", "/v1/admin/onboarding/steps", bad, as).Expect(t, http.StatusUnprocessableEntity))["translations.es"] {
		t.Error("an unknown language was not named")
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_steps WHERE key = 'bad_step'`); n != 0 {
		t.Error("a refused step was stored")
	}
	if got := scalar[string](t, env, `SELECT translations->'fr'->>'title' FROM onboarding_steps WHERE key = 'invite_team'`); got != "Invitez votre équipe" {
		t.Fatalf("a refused edit changed the translation to %q", got)
	}

	// An edit replaces the translations, and is audited with them.
	updated := env.Do(t, "PATCH", "/v1/admin/onboarding/steps/invite_team",
		map[string]any{"translations": frenchText("Invitez vos collègues", "")}, as).Expect(t, http.StatusOK).Map(t)
	if fr := updated["translations"].(map[string]any)["fr"].(map[string]any); fr["title"] != "Invitez vos collègues" || fr["description"] != "" {
		t.Fatalf("updated translations %v", updated["translations"])
	}
	var audit struct {
		Items []struct {
			Action string
			Before map[string]any
			After  map[string]any
		}
	}
	env.Do(t, "GET", "/v1/admin/audit-log?limit=1", nil, as).Expect(t, http.StatusOK).Decode(t, &audit)
	if len(audit.Items) != 1 || audit.Items[0].Action != "step.update" {
		t.Fatalf("audit %+v", audit.Items)
	}
	before := audit.Items[0].Before["translations"].(map[string]any)["fr"].(map[string]any)
	after := audit.Items[0].After["translations"].(map[string]any)["fr"].(map[string]any)
	if before["title"] != "Invitez votre équipe" || after["title"] != "Invitez vos collègues" {
		t.Fatalf("audited translations before %v after %v", before, after)
	}

	// Published with the version; a translation-only edit is a change to
	// publish.
	version := env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusCreated).Map(t)
	steps := version["steps"].([]any)
	if fr := steps[0].(map[string]any)["translations"].(map[string]any)["fr"].(map[string]any); fr["title"] != "Invitez vos collègues" {
		t.Fatalf("published translations %v", steps[0])
	}
	env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusConflict)
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/invite_team", map[string]any{"translations": map[string]any{}}, as).Expect(t, http.StatusOK)
	second := env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusCreated).Map(t)
	if tr := second["steps"].([]any)[0].(map[string]any)["translations"].(map[string]any); len(tr) != 0 {
		t.Fatalf("translations removed, yet published %v", tr)
	}
	var versions struct{ Items []map[string]any }
	env.Do(t, "GET", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusOK).Decode(t, &versions)
	if fr := versions.Items[1]["steps"].([]any)[0].(map[string]any)["translations"].(map[string]any)["fr"]; fr == nil {
		t.Fatalf("the first version lost its translation: %v", versions.Items[1])
	}
}

// stepTexts is the checklist's title and description by step key.
func stepTexts(t *testing.T, env *testenv.Env, res *testenv.Response) map[string][2]string {
	t.Helper()
	var c struct {
		Steps []struct{ Key, Title, Description string }
	}
	res.Decode(t, &c)
	out := map[string][2]string{}
	for _, s := range c.Steps {
		out[s.Key] = [2]string{s.Title, s.Description}
	}
	return out
}

// The checklist is in the caller's language: a step's French text for
// someone who reads French (said, or DEFAULT_LOCALE for someone who said
// nothing), its own text for anyone else or when it has none; a change of
// language shows on the next request, whatever the token says.
func TestTheChecklistIsServedInTheCallersLanguage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name          string
		defaultLocale mail.Locale
		unsaid        string // what someone who said nothing reads
	}{
		{"default en", mail.English, "en"},
		{"default fr", mail.French, "fr"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := testenv.New(t, func(cfg *config.Config) { cfg.DefaultLocale = c.defaultLocale })
			_, staff := env.StaffToken(t)
			translated := manualStep("invite_team", false)
			translated["description"] = "Send your colleagues an invitation."
			translated["translations"] = frenchText("Invitez votre équipe", "Envoyez une invitation à vos collègues.")
			publishSteps(t, env, staff, translated, manualStep("plain_step", false))
			english := [2]string{"Step invite_team", "Send your colleagues an invitation."}
			french := [2]string{"Invitez votre équipe", "Envoyez une invitation à vos collègues."}
			plain := [2]string{"Step plain_step", ""}

			org := env.NewOrg(t, testenv.OrgOptions{}) // the owner never said their language
			get := func() map[string][2]string {
				return stepTexts(t, env, env.Do(t, "GET", "/v1/onboarding/checklist", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK))
			}
			want := english
			if c.unsaid == "fr" {
				want = french
			}
			if got := get(); got["invite_team"] != want || got["plain_step"] != plain {
				t.Errorf("someone who said nothing reads %v, want %v", got, want)
			}

			patchMe(t, env, org.OwnerToken, map[string]any{"locale": "fr"}).Expect(t, http.StatusOK)
			if got := get(); got["invite_team"] != french || got["plain_step"] != plain {
				t.Errorf("a French reader sees %v", got)
			}
			// Every checklist answer is in the caller's language.
			done := env.Do(t, "POST", "/v1/onboarding/checklist/steps/invite_team/complete", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
			if got := stepTexts(t, env, done); got["invite_team"] != french {
				t.Errorf("completing answers %v", got)
			}
			dismissed := env.Do(t, "POST", "/v1/onboarding/checklist/dismiss", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
			if got := stepTexts(t, env, dismissed); got["invite_team"] != french {
				t.Errorf("dismissing answers %v", got)
			}

			patchMe(t, env, org.OwnerToken, map[string]any{"locale": "en"}).Expect(t, http.StatusOK)
			if got := get(); got["invite_team"] != english {
				t.Errorf("an English reader sees %v", got)
			}
		})
	}
}
