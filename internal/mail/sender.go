package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Sender delivers one message now; the outbox's worker retries it when it
// fails.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPSender delivers over SMTP: smtp:// upgrades with STARTTLS when the
// server offers it, smtps:// uses implicit TLS. Credentials in the URL are
// sent with PLAIN auth, which net/smtp refuses over an unencrypted
// connection to anything but localhost.
type SMTPSender struct {
	addr     string
	host     string
	implicit bool
	auth     smtp.Auth
	from     string
	// TLS is the client TLS configuration; nil verifies against the system roots.
	TLS *tls.Config
}

// NewSMTPSender builds a sender from SMTP_URL and the From address.
func NewSMTPSender(u *url.URL, from string) *SMTPSender {
	s := &SMTPSender{addr: u.Host, host: u.Hostname(), implicit: u.Scheme == "smtps", from: from}
	if u.User != nil {
		pass, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pass, s.host)
	}
	return s
}

// Send delivers m within ctx's deadline (30 s at most).
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	var err error
	tlsConfig := s.tlsConfig()
	if s.implicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConfig}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return fmt.Errorf("connect to SMTP server: %w", err)
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("SMTP greeting: %w", err)
	}
	defer c.Close()
	if !s.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("SMTP STARTTLS: %w", err)
			}
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("SMTP auth: %w", err)
		}
	}
	if err := c.Mail(addressOnly(s.from)); err != nil {
		return fmt.Errorf("SMTP MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("SMTP RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if _, err := w.Write(render(s.from, m, time.Now())); err != nil {
		return fmt.Errorf("SMTP write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP end of message: %w", err)
	}
	return c.Quit()
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	if s.TLS != nil {
		return s.TLS
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// render builds the RFC 5322 message: UTF-8 plain text, CRLF line ends.
// Every header is ASCII (RFC 5322 allows nothing else without SMTPUTF8):
// the subject and display names are RFC 2047 encoded words, and no value
// can carry a line break into another header.
func render(from string, m Message, now time.Time) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := "onramp.invalid"
	if at := strings.LastIndex(addressOnly(from), "@"); at >= 0 {
		domain = addressOnly(from)[at+1:]
	}
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, oneLine.Replace(v)) }
	header("From", encodeAddress(from))
	header("To", encodeAddress(m.To))
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", now.UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	if m.ListUnsubscribe != "" {
		// RFC 8058: a POST of "List-Unsubscribe=One-Click" to the link
		// unsubscribes without a page in between; RFC 2369's angle brackets.
		header("List-Unsubscribe", "<"+m.ListUnsubscribe+">")
		header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	header("MIME-Version", "1.0")
	header("Content-Type", `text/plain; charset="utf-8"`)
	header("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(m.Text, "\r\n", "\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return b.Bytes()
}

// oneLine keeps a header value on its line.
var oneLine = strings.NewReplacer("\r", "", "\n", "")

// encodeAddress writes "Name <addr>" with a non-ASCII name as an encoded
// word (MAIL_FROM may name the sender "Équipe Onramp"); an ASCII one, or
// what does not parse as an address, goes as it is.
func encodeAddress(a string) string {
	parsed, err := netmail.ParseAddress(a)
	if err != nil || isASCII(parsed.Name) {
		return a
	}
	return parsed.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// addressOnly is the bare address of "Name <addr>" or "addr".
func addressOnly(a string) string {
	if i := strings.LastIndex(a, "<"); i >= 0 {
		return strings.TrimSuffix(a[i+1:], ">")
	}
	return a
}

// LogSender writes messages to the log instead of sending them, for
// development without SMTP_URL. With ShowBody false (production) only the
// recipient and subject are logged: bodies carry single-use tokens.
type LogSender struct {
	Log      *slog.Logger
	ShowBody bool
}

func (s LogSender) Send(ctx context.Context, m Message) error {
	attrs := []any{"to", m.To, "subject", m.Subject}
	if s.ShowBody {
		attrs = append(attrs, "text", m.Text)
	}
	s.Log.InfoContext(ctx, "email not sent (SMTP_URL is not set)", attrs...)
	return nil
}
