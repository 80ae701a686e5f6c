package mail_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/mail"
)

func TestLogSenderHidesBodiesUnlessAskedTo(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	msg := mail.PasswordResetEmail(mail.English, "dan@acme.test", "Dan", "http://x/reset-password?token=secret-token")
	quiet := mail.LogSender{Log: slog.New(slog.NewJSONHandler(&out, nil))}
	if err := quiet.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "secret-token") || !strings.Contains(out.String(), "dan@acme.test") {
		t.Fatalf("production log sender output: %s", out.String())
	}
	out.Reset()
	dev := mail.LogSender{Log: slog.New(slog.NewJSONHandler(&out, nil)), ShowBody: true}
	_ = dev.Send(context.Background(), msg)
	if !strings.Contains(out.String(), "secret-token") {
		t.Fatalf("development log sender should show the link: %s", out.String())
	}
}
