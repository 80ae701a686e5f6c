package account

import (
	"context"
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHasher()
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("not a PHC argon2id string: %s", enc)
	}
	again, _ := h.Hash(ctx, "correct horse battery")
	if again == enc {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		if ok, err := h.Check(ctx, enc, pw); err != nil || ok != want {
			t.Errorf("Check(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// No user: the dummy hash is checked and never matches.
	if ok, err := h.Check(ctx, "", "not a password"); ok || err != nil {
		t.Fatalf("unknown user matched: %v, %v", ok, err)
	}
	if ok, _ := h.Check(ctx, "fixture-no-password", "fixture-no-password"); ok {
		t.Fatal("a non-argon2id hash matched")
	}
	if _, err := h.Check(ctx, "$argon2id$v=19$m=x$salt$key", "pw"); err == nil {
		t.Fatal("a broken hash was accepted")
	}
}

func TestPasswordLength(t *testing.T) {
	t.Parallel()
	for pw, ok := range map[string]bool{
		"123456789":              false,
		"1234567890":             true,
		"ééééééééééé":            true, // characters, not bytes
		strings.Repeat("x", 128): true,
		strings.Repeat("x", 129): false,
	} {
		if got := passwordProblem(pw) == ""; got != ok {
			t.Errorf("%q: ok=%v, want %v", pw, got, ok)
		}
	}
}
