package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestConsoleMetricsDrawTheFunnel(t *testing.T) {
	env := testenv.New(t)
	for range 3 {
		env.Signup(t, testenv.SignupOptions{})
	}
	v, _ := staffVisitor(t, env)
	p := v.get(t, "/console/metrics")
	expect(t, p, http.StatusOK, "metrics")
	for _, w := range []string{
		`<svg class="chart"`, `role="img" aria-labelledby="funnel-title funnel-desc"`, `<title id="funnel-title">Funnel</title>`,
		`class="bar-label">Signed up</text>`, `class="bar-value">3 (100.0%)</text>`, `class="bar-value">0 (0.0%)</text>`,
		`<th scope="row">Signed up</th><td class="num">3</td>`, `<title id="seats-title">Seats and members</title>`,
		`class="bar-label">Companies</text>`,
	} {
		if !strings.Contains(p.Body, w) {
			t.Errorf("the metrics page lacks %s", w)
		}
	}
	bars := regexp.MustCompile(`<rect class="bar" x="\d+" y="\d+" width="(\d+)"`).FindAllStringSubmatch(p.Body, -1)
	if len(bars) == 0 || bars[0][1] == "0" {
		t.Errorf("the funnel's first bar is not drawn: %v", bars)
	}
	fr := v.get(t, "/console/metrics?lang=fr")
	if !strings.Contains(fr.Body, "class=\"bar-value\">3 (100,0\u202f%)</text>") || !strings.Contains(fr.Body, "<title id=\"funnel-title\">Entonnoir</title>") {
		t.Errorf("the French funnel is not in French:\n%s", fr.Body)
	}
	other := v.get(t, "/console/metrics?utm_source=nowhere&lang=en")
	if !strings.Contains(other.Body, `class="bar-value">0 (0.0%)</text>`) || strings.Contains(other.Body, `3 (100.0%)`) {
		t.Errorf("a source no one came from still counts the signups")
	}

	bad := v.get(t, "/console/metrics?from=2026-13-40&to=2026-01-01&lang=fr")
	expect(t, bad, http.StatusUnprocessableEntity, "a bad date")
	if !strings.Contains(bad.Body, "Saisissez une date au format AAAA-MM-JJ.") {
		t.Errorf("a bad date is not explained:\n%s", bad.Body)
	}
	backwards := v.get(t, "/console/metrics?from=2026-06-01&to=2026-01-01&lang=en")
	expect(t, backwards, http.StatusUnprocessableEntity, "a range backwards")
	if !strings.Contains(backwards.Body, "Enter an end date after the start date") {
		t.Errorf("a backwards range is not explained:\n%s", backwards.Body)
	}
}

func TestConsolePausesAndResumesANudge(t *testing.T) {
	env := testenv.New(t)
	v, _ := staffVisitor(t, env)
	bad := v.post(t, "/console/nudges?lang=fr", url.Values{"key": {"x"}, "trigger": {"trial_ending"}, "after_days": {"0"},
		"max_sends": {"9"}, "every_days": {"4"}, "holdout": {"10"}, "en_subject": {""}})
	expect(t, bad, http.StatusUnprocessableEntity, "a bad nudge")
	for _, w := range []string{"Saisissez un nombre de 1 à 3.", "l’anglais est obligatoire", "Utilisez de 2 à 64 caractères"} {
		if !strings.Contains(bad.Body, w) {
			t.Errorf("a bad nudge is not explained with %q", w)
		}
	}
	p := v.post(t, "/console/nudges", url.Values{"key": {"trial_reminder"}, "trigger": {"trial_ending"}, "after_days": {"3"},
		"max_sends": {"1"}, "every_days": {"4"}, "holdout": {"20"}, "enabled": {"on"}, "roles": {"owner"},
		"en_subject": {"Your trial ends soon"}, "en_text": {"Hello {{.FirstName}}"}})
	expect(t, p, http.StatusSeeOther, "a nudge")
	expect(t, v.post(t, "/console/nudges/trial_reminder/enabled", url.Values{"enabled": {"false"}}), http.StatusSeeOther, "pause")
	list := v.get(t, "/console/nudges?lang=en")
	if !strings.Contains(list.Body, "paused") || !strings.Contains(list.Body, "Resume trial_reminder") {
		t.Errorf("the paused nudge does not show as paused:\n%s", list.Body)
	}
	effect := v.get(t, "/console/nudges/trial_reminder/effect?lang=en")
	expect(t, effect, http.StatusOK, "effect")
	if !strings.Contains(effect.Body, "Too few people to compare yet") {
		t.Errorf("an effect with no one does not say so:\n%s", effect.Body)
	}
	expect(t, v.get(t, "/console/nudges/nothing_here/effect"), http.StatusNotFound, "an unknown nudge's effect")
}
