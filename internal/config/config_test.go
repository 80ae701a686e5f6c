package config

import (
	"encoding/base64"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/mail"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestServeDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{
		"DATABASE_URL": "postgres://u@localhost:5432/onramp",
		"PLANS_FILE":   "plans.yaml",
	}), NeedServe)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.PastDueGrace != 7*24*time.Hour || c.SignupRateLimit != 20 ||
		c.MinGroupSize != 5 || c.EventRetention != 400*24*time.Hour ||
		c.PublicURL.String() != "http://localhost:8080" || c.SMTPURL != nil {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if !c.JWTKeyGenerated || len(c.JWTKey) == 0 {
		t.Fatal("development without JWT_PRIVATE_KEY should generate a key")
	}
}

// Unset, PUBLIC_URL follows HTTP_ADDR's port, so that an email's links
// reach a server started on another one.
func TestPublicURLFollowsHTTPAddrWhenUnset(t *testing.T) {
	for addr, want := range map[string]string{
		":9090": "http://localhost:9090", "127.0.0.1:18080": "http://127.0.0.1:18080",
		"0.0.0.0:8081": "http://localhost:8081", "[::1]:8082": "http://[::1]:8082",
	} {
		c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://u@localhost:5432/onramp", "PLANS_FILE": "plans.yaml",
			"HTTP_ADDR": addr}), NeedServe)
		if err != nil {
			t.Fatal(err)
		}
		if c.PublicURL.String() != want {
			t.Errorf("HTTP_ADDR %s: PUBLIC_URL %s, want %s", addr, c.PublicURL, want)
		}
	}
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://u@localhost:5432/onramp", "PLANS_FILE": "plans.yaml",
		"HTTP_ADDR": ":9090", "PUBLIC_URL": "https://onramp.example.com"}), NeedServe)
	if err != nil || c.PublicURL.String() != "https://onramp.example.com" {
		t.Fatalf("a PUBLIC_URL that is set is kept: %v, %v", c, err)
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{
		"ONRAMP_ENV":          "production",
		"DATABASE_URL":        "mysql://nope",
		"PUBLIC_URL":          "not a url",
		"SMTP_URL":            "http://mail:25",
		"PAST_DUE_GRACE_DAYS": "-1",
		"SIGNUP_RATE_LIMIT":   "lots",
		"JWT_PRIVATE_KEY":     base64.StdEncoding.EncodeToString([]byte("too short")),
	}), NeedServe)
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"DATABASE_URL", "PUBLIC_URL", "SMTP_URL", "PAST_DUE_GRACE_DAYS", "SIGNUP_RATE_LIMIT",
		"JWT_PRIVATE_KEY", "STRIPE_SECRET_KEY is required in production",
		"STRIPE_WEBHOOK_SECRET is required in production", "PLANS_FILE", "UNSUBSCRIBE_SECRET is required in production",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("problems do not mention %s:\n%s", want, msg)
		}
	}
	if n := len(err.(Problems)); n != 10 {
		t.Errorf("%d problems, want 10 (one per variable):\n%s", n, msg)
	}
}

func TestMigrateNeedsOnlyTheDatabase(t *testing.T) {
	if _, err := Load(env(map[string]string{"DATABASE_URL": "postgres://u@h/db"}), NeedDatabase); err != nil {
		t.Fatal(err)
	}
	_, err := Load(env(map[string]string{}), NeedDatabase)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL is required") {
		t.Fatalf("missing DATABASE_URL not reported: %v", err)
	}
}

func TestSMTPURLForms(t *testing.T) {
	for raw, ok := range map[string]bool{
		"smtp://mail.example.com:587":            true,
		"smtps://user:pass@mail.example.com:465": true,
		"smtp://user:s3cret@mail.example.com":    false, // no port
		"smtp://:25":                             false, // no host
	} {
		_, err := Load(env(map[string]string{"DATABASE_URL": "postgres://u@h/db", "PLANS_FILE": "p", "SMTP_URL": raw}), NeedServe)
		if (err == nil) != ok {
			t.Errorf("%s: err=%v, want ok=%v", raw, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error repeats the password: %v", raw, err)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u@localhost:5432/onramp", "PLANS_FILE": "plans.yaml"}
	base["TRUSTED_PROXIES"] = "10.0.0.0/8, 192.168.1.7"
	c, err := Load(env(base), NeedServe)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0] != "10.0.0.0/8" || c.TrustedProxies[1] != "192.168.1.7" {
		t.Fatalf("trusted proxies %v", c.TrustedProxies)
	}
	base["TRUSTED_PROXIES"] = "10.0.0.0/8,the-load-balancer"
	if _, err := Load(env(base), NeedServe); err == nil || !strings.Contains(err.Error(), `TRUSTED_PROXIES must be a comma-separated list of IPs or CIDRs, got "the-load-balancer"`) {
		t.Fatalf("bad proxy accepted: %v", err)
	}
}

// APP_URL is optional; when set it is an absolute http(s) base URL, like
// PUBLIC_URL, and a bad one is reported with the rest.
func TestAppURL(t *testing.T) {
	base := func(app string) map[string]string {
		m := map[string]string{"DATABASE_URL": "postgres://u@localhost:5432/onramp", "PLANS_FILE": "plans.yaml"}
		if app != "" {
			m["APP_URL"] = app
		}
		return m
	}
	c, err := Load(env(base("")), NeedServe)
	if err != nil || c.AppURL != nil {
		t.Fatalf("without APP_URL: %v, %v", c.AppURL, err)
	}
	c, err = Load(env(base("https://app.example.com:8443/home/")), NeedServe)
	if err != nil {
		t.Fatal(err)
	}
	if c.AppURL.String() != "https://app.example.com:8443/home" {
		t.Fatalf("APP_URL %s", c.AppURL)
	}
	for _, bad := range []string{"app.example.com", "/home", "ftp://app.example.com", "https://", "https://user:s3cret@app.example.com", "https://app.example.com/?next=x", "https://app.example.com/#top"} {
		_, err := Load(env(base(bad)), NeedServe)
		if err == nil || !strings.Contains(err.Error(), "APP_URL must be an absolute http(s) URL") {
			t.Errorf("%q: %v", bad, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: the problem repeats the password: %v", bad, err)
		}
	}
}

// UNSUBSCRIBE_SECRET signs links that must keep working: too short is a
// problem (which does not repeat it); unset in development, it is derived
// from the JWT key, so links survive a restart with the same key.
func TestUnsubscribeSecret(t *testing.T) {
	seed := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("s", 32)))
	base := func(secret string) map[string]string {
		m := map[string]string{"DATABASE_URL": "postgres://u@localhost:5432/onramp", "PLANS_FILE": "plans.yaml", "JWT_PRIVATE_KEY": seed}
		if secret != "" {
			m["UNSUBSCRIBE_SECRET"] = secret
		}
		return m
	}
	secret := strings.Repeat("x", 32)
	c, err := Load(env(base(secret)), NeedServe)
	if err != nil || string(c.UnsubscribeKey) != secret {
		t.Fatalf("with UNSUBSCRIBE_SECRET: %q, %v", c.UnsubscribeKey, err)
	}
	_, err = Load(env(base("short-secret")), NeedServe)
	if err == nil || !strings.Contains(err.Error(), "UNSUBSCRIBE_SECRET must be at least 32 bytes") || strings.Contains(err.Error(), "short-secret") {
		t.Fatalf("a short secret: %v", err)
	}
	first, err := Load(env(base("")), NeedServe)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Load(env(base("")), NeedServe)
	if len(first.UnsubscribeKey) < 32 || string(first.UnsubscribeKey) != string(again.UnsubscribeKey) {
		t.Fatalf("development keys %x and %x, want one stable key", first.UnsubscribeKey, again.UnsubscribeKey)
	}
}

func TestDefaultLocale(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u@localhost:5432/onramp", "PLANS_FILE": "plans.yaml"}
	for value, want := range map[string]mail.Locale{"": mail.English, "en": mail.English, "fr": mail.French} {
		vars := maps.Clone(base)
		vars["DEFAULT_LOCALE"] = value
		c, err := Load(env(vars), NeedServe)
		if err != nil || c.DefaultLocale != want {
			t.Errorf("DEFAULT_LOCALE=%q: %v, %v; want %s", value, c, err, want)
		}
	}
	for _, bad := range []string{"de", "FR", "fr-FR"} {
		vars := maps.Clone(base)
		vars["DEFAULT_LOCALE"] = bad
		if _, err := Load(env(vars), NeedServe); err == nil || !strings.Contains(err.Error(), "DEFAULT_LOCALE") {
			t.Errorf("DEFAULT_LOCALE=%q: %v", bad, err)
		}
	}
}

func TestStripePortalConfiguration(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u@localhost:5432/onramp", "PLANS_FILE": "plans.yaml"}
	for value, ok := range map[string]bool{"": true, "bpc_1OPouvJN5vQBdWEx6dSG6gsf": true, "pc_1": false, "bpc_1 2": false, "bpc_1\x00": false} {
		vars := maps.Clone(base)
		vars["STRIPE_PORTAL_CONFIGURATION"] = value
		c, err := Load(env(vars), NeedServe)
		if ok && (err != nil || c.StripePortalConfiguration != value) {
			t.Errorf("%q: %v", value, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "STRIPE_PORTAL_CONFIGURATION")) {
			t.Errorf("%q accepted: %v", value, err)
		}
	}
}
