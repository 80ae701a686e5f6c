package auth

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
)

// RFC 8037 appendix A.1 and A.3: the example Ed25519 key and its RFC 7638
// thumbprint.
const (
	rfcSeed       = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfcX          = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfcThumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
)

func TestKeyIDIsTheRFC7638Thumbprint(t *testing.T) {
	key, err := ParsePrivateKey(rfcSeed)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	if got := base64.RawURLEncoding.EncodeToString(pub); got != rfcX {
		t.Fatalf("public key %s, want %s", got, rfcX)
	}
	if got := KeyID(pub); got != rfcThumbprint {
		t.Fatalf("kid %s, want %s", got, rfcThumbprint)
	}
}

func TestParsePrivateKeyFormats(t *testing.T) {
	want, _ := ParsePrivateKey(rfcSeed)
	seed := want.Seed()
	der, err := x509.MarshalPKCS8PrivateKey(want)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	for name, raw := range map[string]string{
		"std base64":                  base64.StdEncoding.EncodeToString(seed),
		"raw url base64":              base64.RawURLEncoding.EncodeToString(seed),
		"pkcs8 pem":                   pemKey,
		"with surrounding whitespace": "\n " + base64.StdEncoding.EncodeToString(seed) + "\n",
	} {
		got, err := ParsePrivateKey(raw)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("%s: parsed a different key", name)
		}
	}
}

func TestParsePrivateKeyRejects(t *testing.T) {
	for name, raw := range map[string]string{
		"short seed": base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"not base64": "this is not a key!",
		"broken pem": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n",
		"empty":      "",
	} {
		if _, err := ParsePrivateKey(raw); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), raw) && raw != "" {
			t.Errorf("%s: error echoes the key material: %v", name, err)
		}
	}
}
