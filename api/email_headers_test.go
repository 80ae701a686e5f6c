package api_test

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/mailtest"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// assertTransactionalHeaders checks one email as it went over the wire
// (assertWireHeaders), and that it carries no unsubscribe headers (nobody
// opts out of account emails).
func assertTransactionalHeaders(t *testing.T, m mailtest.Message, wantSubject string) {
	t.Helper()
	assertWireHeaders(t, m, wantSubject)
	assertTransactionalOnly(t, m)
}

// assertWireHeaders checks one email as it went over the wire: every
// header line is ASCII (a French subject is an encoded word), the subject
// decodes to want, and the body is declared UTF-8.
func assertWireHeaders(t *testing.T, m mailtest.Message, wantSubject string) {
	t.Helper()
	head, _, found := bytes.Cut(m.Raw, []byte("\r\n\r\n"))
	if !found {
		t.Fatalf("no header/body separator in:\n%s", m.Raw)
	}
	for _, line := range strings.Split(string(head), "\r\n") {
		for i := 0; i < len(line); i++ {
			if line[i] >= utf8.RuneSelf {
				t.Errorf("header line is not ASCII: %q", line)
				break
			}
		}
	}
	raw := m.Header.Get("Subject")
	subject, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil || subject != wantSubject {
		t.Errorf("Subject %q decodes to %q (%v), want %q", raw, subject, err, wantSubject)
	}
	if got := m.Header.Get("Content-Type"); got != `text/plain; charset="utf-8"` {
		t.Errorf("Content-Type %q, want text/plain with charset utf-8", got)
	}
}

// assertTransactionalOnly checks what an account email has that a nudge
// has not: the sender's name, and no unsubscribe headers.
func assertTransactionalOnly(t *testing.T, m mailtest.Message) {
	t.Helper()
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Équipe Onramp" {
		t.Errorf("From %q decodes to %v (%v)", m.Header.Get("From"), from, err)
	}
	for _, h := range []string{"List-Unsubscribe", "List-Unsubscribe-Post"} {
		if v, ok := m.Header[h]; ok {
			t.Errorf("%q carries %s: %v", m.Subject, h, v)
		}
	}
}

// A French invitation and a French verification email arrive in French,
// with the right headers.
func TestFrenchAccountEmailsArriveWithTheRightHeaders(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.MailFrom = "Équipe Onramp <no-reply@onramp.test>" })
	var camille testenv.Session
	env.Do(t, http.MethodPost, "/v1/signup", map[string]any{
		"company_name": "Acmé", "email": "camille@acme.test", "password": testenv.DefaultPassword, "full_name": "Camille Dupont",
	}, testenv.WithHeader("Accept-Language", "fr-FR,fr;q=0.9")).Expect(t, http.StatusCreated).Decode(t, &camille)

	verification := env.Mail.WaitFor(t, "camille@acme.test", "Confirmez votre adresse e-mail")
	assertTransactionalHeaders(t, verification, "Confirmez votre adresse e-mail")
	if !strings.Contains(verification.Text, "ouvrant ce lien\u00a0:") {
		t.Errorf("the French verification email:\n%s", verification.Text)
	}

	env.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{"token": testenv.LinkToken(t, verification.Text)}).
		Expect(t, http.StatusNoContent)
	invite(t, env, camille.AccessToken, "bob@acme.test", "member").Expect(t, http.StatusCreated)
	invitation := env.Mail.WaitFor(t, "bob@acme.test", "Rejoignez Acmé sur Onramp")
	assertTransactionalHeaders(t, invitation, "Rejoignez Acmé sur Onramp")
	if !strings.Contains(invitation.Text, "Camille Dupont vous invite à rejoindre Acmé sur Onramp.") {
		t.Errorf("the French invitation:\n%s", invitation.Text)
	}
}
