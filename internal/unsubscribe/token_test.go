package unsubscribe_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/unsubscribe"
)

var (
	key      = bytes.Repeat([]byte("k"), unsubscribe.MinKeyLen)
	otherKey = bytes.Repeat([]byte("o"), unsubscribe.MinKeyLen)
)

func newSigner(t testing.TB, k []byte) *unsubscribe.Signer {
	t.Helper()
	public, _ := url.Parse("https://onramp.example.com/base/")
	s, err := unsubscribe.NewSigner(k, public)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestATokenNamesTheAddressAndTheCategory(t *testing.T) {
	t.Parallel()
	s := newSigner(t, key)
	link, err := url.Parse(s.URL("Ada@Acme.test", unsubscribe.OnboardingTips))
	if err != nil {
		t.Fatal(err)
	}
	if got := link.Scheme + "://" + link.Host + link.Path; got != "https://onramp.example.com/base/v1/unsubscribe" {
		t.Errorf("link %s, want it on PUBLIC_URL/v1/unsubscribe", link)
	}
	sub, err := s.Verify(link.Query().Get("token"))
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte("ada@acme.test"))
	if sub.Category != unsubscribe.OnboardingTips || !bytes.Equal(sub.EmailHash, want[:]) {
		t.Errorf("verified %+v, want onboarding_tips for sha256(ada@acme.test)", sub)
	}
	// Not "ada": three random base64url letters may spell it; a dot never
	// occurs in base64url, so "acme.test" can only be the address itself.
	if strings.Contains(strings.ToLower(link.String()), "acme.test") {
		t.Errorf("the link shows the address: %s", link)
	}
}

func TestShortKeysAreRefused(t *testing.T) {
	t.Parallel()
	public, _ := url.Parse("https://onramp.example.com")
	if _, err := unsubscribe.NewSigner(key[:unsubscribe.MinKeyLen-1], public); err == nil {
		t.Error("a 31-byte key was accepted")
	}
}

func TestTokensThatDoNotVerify(t *testing.T) {
	t.Parallel()
	s := newSigner(t, key)
	good := s.Token("ada@acme.test", unsubscribe.OnboardingTips)
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	reencode := func(edit func(b []byte) []byte) string {
		b := edit(append([]byte(nil), raw...))
		return base64.RawURLEncoding.EncodeToString(b)
	}
	for name, token := range map[string]string{
		"empty":           "",
		"truncated":       good[:len(good)-1],
		"extended":        good + "A",
		"not base64url":   strings.Replace(good, good[:1], "+", 1),
		"signed by other": newSigner(t, otherKey).Token("ada@acme.test", unsubscribe.OnboardingTips),
		"other address":   reencode(func(b []byte) []byte { b[2] ^= 1; return b }),
		"other category":  reencode(func(b []byte) []byte { b[1] = 2; return b }),
		"other version":   reencode(func(b []byte) []byte { b[0] = 2; return b }),
		"tampered mac":    reencode(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }),
		"mac cut short":   reencode(func(b []byte) []byte { return b[:len(b)-1] }),
		// The last character carries two unused bits: setting them is
		// another spelling of the same bytes, which Strict refuses.
		"non-canonical": good[:len(good)-1] + string(base64URLAlphabet[strings.IndexByte(base64URLAlphabet, good[len(good)-1])^1]),
	} {
		if token == good {
			t.Fatalf("%s: the test did not change the token", name)
		}
		if _, err := s.Verify(token); !errors.Is(err, unsubscribe.ErrInvalid) {
			t.Errorf("%s: Verify(%q) = %v, want ErrInvalid", name, token, err)
		}
	}
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestTheDevelopmentKeyIsStableAndNotTheSeed(t *testing.T) {
	t.Parallel()
	seed := bytes.Repeat([]byte{7}, 32)
	a, b := unsubscribe.DevelopmentKey(seed), unsubscribe.DevelopmentKey(seed)
	if !bytes.Equal(a, b) || len(a) < unsubscribe.MinKeyLen || bytes.Equal(a, seed) {
		t.Errorf("development key %x from seed %x", a, seed)
	}
	if bytes.Equal(a, unsubscribe.DevelopmentKey(bytes.Repeat([]byte{8}, 32))) {
		t.Error("two seeds gave the same key")
	}
}

// FuzzVerify: whatever arrives, Verify answers without panicking, and
// only tokens this signer made verify, naming what they were made for.
func FuzzVerify(f *testing.F) {
	s := newSigner(f, key)
	good := s.Token("ada@acme.test", unsubscribe.OnboardingTips)
	f.Add(good)
	f.Add(good[:len(good)-2])
	f.Add(newSigner(f, otherKey).Token("ada@acme.test", unsubscribe.OnboardingTips))
	f.Add("")
	f.Add(strings.Repeat("A", len(good)))
	f.Fuzz(func(t *testing.T, token string) {
		sub, err := s.Verify(token)
		if err != nil {
			if !errors.Is(err, unsubscribe.ErrInvalid) {
				t.Fatalf("Verify(%q) = %v, want ErrInvalid", token, err)
			}
			return
		}
		if token != good {
			t.Fatalf("Verify accepted %q, which this signer never made (it made %q)", token, good)
		}
		if sub.Category != unsubscribe.OnboardingTips || !bytes.Equal(sub.EmailHash, unsubscribe.EmailHash("ada@acme.test")) {
			t.Fatalf("Verify(%q) = %+v", token, sub)
		}
	})
}
