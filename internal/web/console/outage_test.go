package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// With the database gone, a console page says a service is unavailable
// (503, to try again in a few minutes), not that something went wrong,
// and the outage is logged as a warning, not as an error: it is not a bug.
func TestTheDatabaseGoneAnswers503(t *testing.T) {
	t.Parallel()
	db, proxy := dbtest.NewThroughProxy(t)
	env := testenv.NewOn(t, db)
	v, _ := staffVisitor(t, env)
	expect(t, v.get(t, "/console/"), http.StatusOK, "the checklist before the outage")

	proxy.Cut()
	for lang, text := range map[string]string{"en": "Temporarily unavailable", "fr": "Momentanément indisponible"} {
		v.header.Set("Accept-Language", lang)
		p := v.get(t, "/console/")
		expect(t, p, http.StatusServiceUnavailable, lang+": the checklist during the outage")
		if !strings.Contains(p.Body, text) {
			t.Errorf("%s: the page does not say %q:\n%s", lang, text, p.Body)
		}
	}
	warned := false
	for _, l := range env.Log.Lines() {
		if l["msg"] == "page failed" {
			t.Errorf("the outage was logged as a failure: %v", l)
		}
		warned = warned || (l["msg"] == "page: a dependency is unavailable" && l["level"] == "WARN" && l["route"] == "/console/")
	}
	if !warned {
		t.Errorf("the outage was not logged as a warning with its route:\n%s", env.Log.String())
	}
}
