// Package mailtest runs an in-process SMTP server for tests, so they assert
// on the emails the service really sent over the wire.
package mailtest

import (
	"bytes"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received email.
type Message struct {
	From    string
	To      []string
	Subject string
	Text    string
	Header  mail.Header
	// Raw is the message as it arrived (headers and body, CRLF line ends),
	// for assertions on the wire format itself.
	Raw []byte
}

// Server collects every message delivered to it.
type Server struct {
	URL *url.URL // smtp://127.0.0.1:port

	srv     *smtp.Server
	mu      sync.Mutex
	msgs    []Message
	arrived chan struct{}
	// failNext makes the next n deliveries fail with a temporary error.
	failNext int
}

// Start runs a server on a free loopback port until t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{server: s}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	s.URL = &url.URL{Scheme: "smtp", Host: ln.Addr().String()}
	return s
}

// FailNext makes the next n deliveries fail with a temporary SMTP error,
// to exercise retries.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Messages is every message received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Count is how many messages were received for to.
func (s *Server) Count(to string) int {
	n := 0
	for _, m := range s.Messages() {
		if m.sentTo(to) {
			n++
		}
	}
	return n
}

// WaitFor returns the first message to `to` whose subject contains
// subjectContains, waiting up to 10 s for it to arrive.
func (s *Server) WaitFor(t testing.TB, to, subjectContains string) Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		for _, m := range s.Messages() {
			if m.sentTo(to) && strings.Contains(m.Subject, subjectContains) {
				return m
			}
		}
		select {
		case <-s.arrived:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no email to %s with subject containing %q within 10s; received: %v", to, subjectContains, s.summary())
			return Message{}
		}
	}
}

func (s *Server) summary() []string {
	var out []string
	for _, m := range s.Messages() {
		out = append(out, strings.Join(m.To, ",")+": "+m.Subject)
	}
	return out
}

func (m Message) sentTo(to string) bool {
	for _, r := range m.To {
		if strings.EqualFold(r, to) {
			return true
		}
	}
	return false
}

type session struct {
	server *Server
	from   string
	to     []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.server.mu.Lock()
	if s.server.failNext > 0 {
		s.server.failNext--
		s.server.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.server.mu.Unlock()

	parsed, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparseable message: " + err.Error()}
	}
	body, _ := io.ReadAll(parsed.Body)
	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil {
		subject = parsed.Header.Get("Subject")
	}
	m := Message{
		From:    s.from,
		To:      append([]string(nil), s.to...),
		Subject: subject,
		Text:    strings.ReplaceAll(string(body), "\r\n", "\n"),
		Header:  parsed.Header,
		Raw:     raw,
	}
	s.server.mu.Lock()
	s.server.msgs = append(s.server.msgs, m)
	s.server.mu.Unlock()
	select {
	case s.server.arrived <- struct{}{}:
	default:
	}
	return nil
}
