package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/dbtest"
)

func TestStaffCreateThenLoginGivesAStaffToken(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	env := getenvFrom(map[string]string{"DATABASE_URL": url, "LOG_FORMAT": "text"})
	args := []string{"staff", "create", "--email", "PM@onramp.test", "--password", "a long staff password"}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, env, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "created staff user pm@onramp.test") {
		t.Fatalf("stdout: %s", stdout.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), "a long staff password") {
		t.Fatal("the password was echoed")
	}

	// A second run with the same email fails clearly.
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), args, env, &stdout, &stderr); code != 1 {
		t.Fatalf("second run: exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "a user with email pm@onramp.test already exists") {
		t.Fatalf("second run stderr: %s", stderr.String())
	}

	// The staff user signs in through the API and gets a staff token
	// without an organization.
	srv := serveOn(t, url)
	res, err := http.Post(srv+"/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"pm@onramp.test","password":"a long staff password"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		AccessToken  string          `json:"access_token"`
		Organization json.RawMessage `json:"organization"`
		User         struct{ Staff bool }
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("login: %d, %v", res.StatusCode, err)
	}
	if !body.User.Staff || string(body.Organization) != "null" {
		t.Fatalf("login body: %+v", body)
	}
	parts := strings.Split(body.AccessToken, ".")
	if len(parts) != 3 {
		t.Fatalf("access token %q is not a JWT", body.AccessToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["staff"] != true || claims["org"] != nil {
		t.Fatalf("claims %v: want staff true and no org", claims)
	}
}

func TestStaffCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	env := getenvFrom(map[string]string{"DATABASE_URL": url, "LOG_FORMAT": "text"})
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"staff"}, 2, "staff create"},
		{[]string{"staff", "create", "--email", "pm@onramp.test"}, 2, "--email and --password are required"},
		{[]string{"staff", "create", "--email", "pm@onramp.test", "--password", "short"}, 1, "--password must be 10 to 128 characters"},
		{[]string{"staff", "create", "--email", "nope", "--password", "a long staff password"}, 1, "--email must be an email address"},
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), tc.args, env, &bytes.Buffer{}, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}

// serveOn runs `onramp serve` over the database at dbURL, as an operator
// would, and returns its base URL; it stops when the test ends.
func serveOn(t *testing.T, dbURL string) string {
	t.Helper()
	env := getenvFrom(map[string]string{
		"DATABASE_URL":      dbURL,
		"HTTP_ADDR":         "127.0.0.1:0",
		"PLANS_FILE":        "testdata/plans.yaml",
		"STRIPE_API_BASE":   "http://127.0.0.1:1", // never called
		"STRIPE_SECRET_KEY": "sk_test_unused",
	})
	ctx, cancel := context.WithCancel(context.Background())
	logR, logW := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx, []string{"serve"}, env, io.Discard, logW)
		logW.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(logR)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "serving" {
				a, _ := m["addr"].(string)
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not log its address within 30s")
		return ""
	}
}
