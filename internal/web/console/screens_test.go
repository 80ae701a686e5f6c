package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestConsoleBadStepInputIsExplainedInBothLanguages(t *testing.T) {
	env := testenv.New(t)
	v, _ := staffVisitor(t, env)
	bad := url.Values{"key": {"Bad Key"}, "title": {""}, "scope": {"organization"}, "completion": {"event"}, "event": {""},
		"count": {"many"}, "fr_description": {"Une description sans titre"}}
	for _, lang := range []struct {
		code string
		want []string
	}{
		{"en", []string{"Please correct the fields marked below.", "Use 2 to 64 characters", "Enter a title of 1 to 200 characters.",
			"A step done by events needs an event name", "Enter a whole number from 1 to 1,000,000", "A French translation needs a title"}},
		{"fr", []string{"Veuillez corriger les champs signalés ci-dessous.", "Utilisez de 2 à 64 caractères", "Saisissez un titre de 1 à 200 caractères.",
			"Une étape validée par des événements a besoin d’un nom d’événement", "Saisissez un nombre entier de 1 à 1 000 000",
			"Une traduction française a besoin d’un titre"}},
	} {
		p := v.post(t, "/console/steps?lang="+lang.code, bad)
		expect(t, p, http.StatusUnprocessableEntity, lang.code+" bad step")
		for _, w := range lang.want {
			if !strings.Contains(p.Body, w) {
				t.Errorf("%s: the form does not say %q", lang.code, w)
			}
		}
		if !strings.Contains(p.Body, `value="Bad Key"`) {
			t.Errorf("%s: the form lost what was typed", lang.code)
		}
	}
	if keys := draftKeys(t, env); len(keys) != 0 {
		t.Errorf("bad input stored steps %v", keys)
	}
}

// The checklist's whole round: create, edit, reorder, publish, compare,
// define activation, delete; each through the service, audited.
func TestConsoleEditsAndPublishesTheChecklist(t *testing.T) {
	env := testenv.New(t)
	v, staffID := staffVisitor(t, env)
	for _, s := range []url.Values{
		{"key": {"invite_team"}, "title": {"Invite your team"}, "scope": {"organization"}, "completion": {"event"}, "event": {"member_invited"},
			"count": {"2"}, "required": {"on"}, "fr_title": {"Invitez votre équipe"}},
		{"key": {"book_session"}, "title": {"Book a session"}, "scope": {"member"}, "completion": {"manual"}, "roles": {"member"}},
	} {
		p := v.post(t, "/console/steps", s)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("create step: %d\n%s", p.Status, p.Body)
		}
	}
	p := v.get(t, "/console/?done=created")
	expect(t, p, http.StatusOK, "checklist")
	for _, w := range []string{"The step is added to the draft.", "Invite your team", "Invitez votre équipe", "2 × member_invited"} {
		if !strings.Contains(p.Body, w) {
			t.Errorf("the checklist does not show %q", w)
		}
	}
	expect(t, v.post(t, "/console/steps/book_session/move", url.Values{"direction": {"up"}}), http.StatusSeeOther, "move up")
	if keys := strings.Join(draftKeys(t, env), ","); keys != "book_session,invite_team" {
		t.Errorf("after moving book_session up: %s", keys)
	}
	edit := v.get(t, "/console/steps/invite_team")
	if !strings.Contains(edit.Body, `value="Invitez votre équipe"`) || !strings.Contains(edit.Body, `value="2"`) {
		t.Errorf("the edit form does not hold the step:\n%s", edit.Body)
	}
	expect(t, v.post(t, "/console/steps/invite_team", url.Values{"title": {"Invite your colleagues"}, "scope": {"organization"},
		"completion": {"event"}, "event": {"member_invited"}, "count": {"1"}, "required": {"on"}}), http.StatusSeeOther, "edit")
	expect(t, v.post(t, "/console/publish", nil), http.StatusSeeOther, "publish")
	again := v.post(t, "/console/publish", nil)
	expect(t, again, http.StatusConflict, "publishing the same draft")
	if !strings.Contains(again.Body, "there is nothing new to publish") {
		t.Errorf("a second publish does not say why:\n%s", again.Body)
	}

	expect(t, v.post(t, "/console/activation", url.Values{"required": {"invite_team"}, "window_days": {"14"},
		"member_step": {"book_session"}, "share_book_session": {"50"}}), http.StatusSeeOther, "set activation")
	def, err := env.App.Onboarding.Activation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(def.RequiredSteps, ",") != "invite_team" || def.WindowDays != 14 || len(def.MemberSteps) != 1 || def.MemberSteps[0].MinShare != 0.5 {
		t.Errorf("activation stored as %+v", def)
	}
	badWindow := v.post(t, "/console/activation?lang=fr", url.Values{"required": {"invite_team"}, "window_days": {"400"}})
	expect(t, badWindow, http.StatusUnprocessableEntity, "a window too long")
	if !strings.Contains(badWindow.Body, "Saisissez un nombre de jours de 1 à 365.") {
		t.Errorf("a window too long is not explained:\n%s", badWindow.Body)
	}

	expect(t, v.post(t, "/console/steps/book_session/delete", nil), http.StatusSeeOther, "delete")
	expect(t, v.post(t, "/console/steps", url.Values{"key": {"pick_plan"}, "title": {"Pick a plan"}, "scope": {"organization"},
		"completion": {"manual"}}), http.StatusSeeOther, "another step")
	v.post(t, "/console/publish", nil)
	versions := v.get(t, "/console/versions?a=1&b=2&lang=en")
	for _, w := range []string{"From version 1 to version 2", "removed</span> <code>book_session</code>", "added</span> <code>pick_plan</code>"} {
		if !strings.Contains(versions.Body, w) {
			t.Errorf("the comparison does not show %q:\n%s", w, versions.Body)
		}
	}

	audit := v.get(t, "/console/audit")
	for _, action := range []string{"step.create", "steps.reorder", "step.update", "version.publish", "step.delete"} {
		if !strings.Contains(audit.Body, action) {
			t.Errorf("the audit log lacks %s", action)
		}
	}
	if !strings.Contains(audit.Body, staffID.String()) {
		t.Errorf("the audit log does not name the PM")
	}
	// A cursor the log never gave (an edited or stale link) is said so.
	for lang, want := range map[string]string{
		"en": "This page of the log does not exist: start again from the newest entries.",
		"fr": "Cette page du journal n’existe pas : repartez des entrées les plus récentes.",
	} {
		bad := v.get(t, "/console/audit?cursor=not-a-cursor&lang="+lang)
		expect(t, bad, http.StatusUnprocessableEntity, "an unknown cursor")
		if !strings.Contains(bad.Body, want) {
			t.Errorf("%s: an unknown cursor is not explained:\n%s", lang, bad.Body)
		}
	}
}

var missingText = regexp.MustCompile(`\[\[[a-z_.0-9]+\]\]`)

// Every page, with something on it, in both languages: no text missing.
func TestConsolePagesHaveEveryText(t *testing.T) {
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	v, _ := staffVisitor(t, env)
	v.post(t, "/console/steps", url.Values{"key": {"invite_team"}, "title": {"Invite your team"}, "scope": {"organization"}, "completion": {"manual"}})
	v.post(t, "/console/steps", url.Values{"key": {"book_session"}, "title": {"Book"}, "scope": {"member"}, "completion": {"manual"}})
	v.post(t, "/console/publish", nil)
	v.post(t, "/console/steps/book_session/move", url.Values{"direction": {"up"}})
	v.post(t, "/console/publish", nil)
	p := v.post(t, "/console/nudges", url.Values{"key": {"invite_reminder"}, "trigger": {"organization_step_pending"}, "step": {"invite_team"},
		"after_days": {"3"}, "max_sends": {"2"}, "every_days": {"4"}, "holdout": {"10"}, "enabled": {"on"},
		"en_subject": {"Invite your team"}, "en_text": {"Hello {{.FirstName}}, {{.Link}}"}})
	expect(t, p, http.StatusSeeOther, "new nudge")
	pages := append([]string{}, consolePages...)
	pages = append(pages, "/console/steps/invite_team", "/console/versions?a=1&b=2", "/console/nudges/invite_reminder/effect",
		"/console/support?q="+url.QueryEscape(owner.User.Email), "/console/metrics?utm_source=google")
	for _, lang := range []string{"en", "fr"} {
		for _, path := range pages {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			p := v.get(t, path+sep+"lang="+lang)
			expect(t, p, http.StatusOK, path+" in "+lang)
			if m := missingText.FindAllString(p.Body, -1); len(m) > 0 {
				t.Errorf("%s in %s lacks texts %v", path, lang, m)
			}
			if !strings.Contains(p.Body, `<html lang="`+lang+`">`) {
				t.Errorf("%s is not in %s", path, lang)
			}
		}
		login := newVisitor(t, env).get(t, "/console/login?lang="+lang)
		if m := missingText.FindAllString(login.Body, -1); len(m) > 0 {
			t.Errorf("the sign-in page in %s lacks texts %v", lang, m)
		}
	}
	support := v.get(t, "/console/support?q="+url.QueryEscape(owner.User.Email))
	if !strings.Contains(support.Body, owner.Organization.Name) {
		t.Errorf("the support view does not show the company")
	}
}
