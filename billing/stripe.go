package billing

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/onramp/onramp/apperr"
)

// NewStripeClient builds a Stripe client for key. base, when set, replaces
// Stripe's API URL (stripe-mock in development and tests).
func NewStripeClient(key, base string, log *slog.Logger) *client.API {
	cfg := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: 30 * time.Second},
		MaxNetworkRetries: stripe.Int64(2), // retries reuse the request's idempotency key
		LeveledLogger:     slogLeveled{log.With("component", "stripe")},
	}
	if base != "" {
		cfg.URL = stripe.String(base)
	}
	return client.New(key, &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, &stripe.BackendConfig{HTTPClient: cfg.HTTPClient, LeveledLogger: cfg.LeveledLogger, URL: cfg.URL}),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, &stripe.BackendConfig{HTTPClient: cfg.HTTPClient, LeveledLogger: cfg.LeveledLogger, URL: cfg.URL}),
	})
}

// slogLeveled routes stripe-go's own logs to slog. stripe-go never logs
// keys; request lines are debug-level noise.
type slogLeveled struct{ log *slog.Logger }

func (l slogLeveled) Debugf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l slogLeveled) Infof(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l slogLeveled) Warnf(format string, v ...any)  { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l slogLeveled) Errorf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }

// stripeErr turns a failed Stripe call into what the caller should see:
// Stripe down, rate limiting us or unreachable is a 503 worth retrying;
// anything else is our own bug or misconfiguration, wrapped as an
// internal error with context for the log.
func stripeErr(op string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) {
		if se.HTTPStatusCode >= 500 || se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode == 0 {
			return fmt.Errorf("%s: %w", op, &unavailableErr{apperr.Unavailable("the payment provider is unavailable; try again shortly"), err})
		}
		return fmt.Errorf("%s: stripe refused (%d %s %s): %w", op, se.HTTPStatusCode, se.Type, se.Code, err)
	}
	return fmt.Errorf("%s: %w", op, &unavailableErr{apperr.Unavailable("the payment provider is unreachable; try again shortly"), err})
}

// unavailableErr carries both the apperr shown to the caller and the
// underlying Stripe error for the log.
type unavailableErr struct {
	app   *apperr.Error
	cause error
}

func (e *unavailableErr) Error() string   { return e.app.Message + ": " + e.cause.Error() }
func (e *unavailableErr) Unwrap() []error { return []error{e.app, e.cause} }
