package auth

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

func TestIssueAndVerifyRoundTrip(t *testing.T) {
	key, _ := GenerateKey()
	s := NewSigner("https://onramp.test", key)
	want := Principal{UserID: uuid.Must(uuid.NewV7()), OrgID: uuid.Must(uuid.NewV7()), Role: "admin", SessionID: uuid.Must(uuid.NewV7())}
	tok, ttl, err := s.Issue(want)
	if err != nil {
		t.Fatal(err)
	}
	if ttl != 15*time.Minute {
		t.Fatalf("ttl %v", ttl)
	}
	got, err := s.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestVerifyAcceptsPreviousKeyDuringRotation(t *testing.T) {
	oldKey, _ := GenerateKey()
	newKey, _ := GenerateKey()
	old := NewSigner("https://onramp.test", oldKey)
	tok, _, _ := old.Issue(Principal{UserID: uuid.Must(uuid.NewV7()), Staff: true, SessionID: uuid.Must(uuid.NewV7())})

	rotated := NewSigner("https://onramp.test", newKey, oldKey.Public().(ed25519.PublicKey))
	if _, err := rotated.Verify(tok); err != nil {
		t.Fatalf("token from the previous key refused: %v", err)
	}
	if n := len(rotated.JWKS().Keys); n != 2 {
		t.Fatalf("JWKS has %d keys, want both", n)
	}
	if rotated.JWKS().Keys[0].Kid != KeyID(newKey.Public().(ed25519.PublicKey)) {
		t.Fatal("the signing key is not first in the JWKS")
	}
	fresh := NewSigner("https://onramp.test", newKey)
	if _, err := fresh.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("a retired key's token verified: %v", err)
	}
}

func TestVerifyRejectsExpired(t *testing.T) {
	key, _ := GenerateKey()
	s := NewSigner("https://onramp.test", key)
	tok, _, _ := s.Issue(Principal{UserID: uuid.Must(uuid.NewV7()), SessionID: uuid.Must(uuid.NewV7())})
	s.now = func() time.Time { return time.Now().Add(16 * time.Minute) }
	if _, err := s.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired token verified: %v", err)
	}
}

func TestVerifiedTokensStillExpireAndForgedOnesStillFail(t *testing.T) {
	key, _ := GenerateKey()
	s := NewSigner("https://onramp.test", key)
	want := Principal{UserID: uuid.Must(uuid.NewV7()), OrgID: uuid.Must(uuid.NewV7()), Role: "member", SessionID: uuid.Must(uuid.NewV7())}
	tok, _, _ := s.Issue(want)
	for range 2 { // the second time from the cache
		if got, err := s.Verify(tok); err != nil || got != want {
			t.Fatalf("got %+v %v", got, err)
		}
	}
	// A cached token expires like any other.
	s.now = func() time.Time { return time.Now().Add(16 * time.Minute) }
	if _, err := s.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired cached token verified: %v", err)
	}
	// A token differing by one byte of signature is not a cache hit.
	s.now = time.Now
	b := []byte(tok)
	if i := len(b) - 5; b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	if _, err := s.Verify(string(b)); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("forged token verified: %v", err)
	}
	// Another signer's cache is its own.
	other, _ := GenerateKey()
	if _, err := NewSigner("https://onramp.test", other).Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of another key verified: %v", err)
	}
}

// A token minted before access tokens named their session (no sid claim)
// is refused: the session it belongs to cannot be checked.
func TestVerifyRejectsATokenWithoutASession(t *testing.T) {
	key, _ := GenerateKey()
	s := NewSigner("https://onramp.test", key)
	now := time.Now()
	legacy := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": "https://onramp.test", "aud": Audience, "sub": uuid.NewString(), "org": uuid.NewString(),
		"role": "owner", "staff": false, "iat": now.Unix(), "exp": now.Add(AccessTokenTTL).Unix(), "jti": uuid.NewString(),
	})
	legacy.Header["kid"] = KeyID(key.Public().(ed25519.PublicKey))
	tok, err := legacy.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("a token without sid verified: %v", err)
	}
	if _, _, err := s.Issue(Principal{UserID: uuid.Must(uuid.NewV7())}); err == nil {
		t.Fatal("minted a token without a session")
	}
}
