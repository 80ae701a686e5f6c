package mail

import (
	"bytes"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
)

func parseRendered(t *testing.T, raw []byte) *netmail.Message {
	t.Helper()
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if !isASCII(line) {
			t.Errorf("header line is not ASCII: %q", line)
		}
	}
	parsed, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("rendered message does not parse: %v\n%s", err, raw)
	}
	return parsed
}

// An optional email carries the one-click unsubscribe of RFC 8058: the
// link in List-Unsubscribe and List-Unsubscribe-Post saying a POST does it.
func TestAnOptionalEmailCarriesOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	link := "https://onramp.example.com/v1/unsubscribe?token=AQE-signed_token"
	m := Message{To: "ada@acme.test", Subject: "Une étape vous attend", Text: "Bonjour\n", ListUnsubscribe: link}
	parsed := parseRendered(t, render("Onramp <no-reply@onramp.example.com>", m, time.Now()))
	if got := parsed.Header.Get("List-Unsubscribe"); got != "<"+link+">" {
		t.Errorf("List-Unsubscribe %q, want <%s>", got, link)
	}
	if got := parsed.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	if got := parsed.Header.Get("Content-Type"); got != `text/plain; charset="utf-8"` {
		t.Errorf("Content-Type %q", got)
	}
}

func TestATransactionalEmailCarriesNoUnsubscribe(t *testing.T) {
	t.Parallel()
	m := VerificationEmail(French, "ada@acme.test", "Ada", "https://onramp.example.com/verify-email?token=t")
	parsed := parseRendered(t, render("Onramp <no-reply@onramp.example.com>", m, time.Now()))
	for _, h := range []string{"List-Unsubscribe", "List-Unsubscribe-Post"} {
		if v, ok := parsed.Header[h]; ok {
			t.Errorf("a verification email carries %s: %v", h, v)
		}
	}
}

// Headers stay ASCII and on their own line whatever the text: a French
// subject and sender name are encoded words, and a line break in a value
// cannot start another header.
func TestHeadersAreASCIIAndCannotBeInjected(t *testing.T) {
	t.Parallel()
	m := Message{To: "ada@acme.test", Subject: "Réinitialisez\r\nBcc: eve@evil.test", Text: "x\n",
		ListUnsubscribe: "https://onramp.example.com/v1/unsubscribe?token=t\r\nBcc: eve@evil.test"}
	parsed := parseRendered(t, render("Équipe Onramp <no-reply@onramp.example.com>", m, time.Now()))
	if _, ok := parsed.Header["Bcc"]; ok {
		t.Error("a line break in a value started a Bcc header")
	}
	from, err := parsed.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Équipe Onramp" || from[0].Address != "no-reply@onramp.example.com" {
		t.Errorf("From %q decodes to %v, %v", parsed.Header.Get("From"), from, err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil || !strings.HasPrefix(subject, "Réinitialisez") {
		t.Errorf("Subject %q decodes to %q, %v", parsed.Header.Get("Subject"), subject, err)
	}
}
