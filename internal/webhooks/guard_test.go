package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPublicAddress(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.215.14": true, "2606:2800:21f:cb07:6820:80da:af6b:8b2c": true, "8.8.8.8": true,
		"127.0.0.1": false, "127.8.9.10": false, "::1": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.0.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "0.0.0.0": false, "::": false, "100.64.0.1": false,
		"224.0.0.1": false, "::ffff:10.0.0.1": false, "::ffff:127.0.0.1": false, "0.1.2.3": false,
	} {
		if got := publicAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
}

// The check at delivery time is on the address connected to, after name
// resolution: an endpoint whose name now resolves to a private address
// (DNS rebinding) is refused there, and nothing reaches it.
func TestDeliveryRefusesPrivateAddressesWhenConnecting(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	s := NewService(Config{})
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, url := range []string{srv.URL, byName} {
		code, err := s.send(context.Background(), url, []byte("key"), "msg_1", time.Now(), []byte(`{}`))
		if !errors.Is(err, errRefusedAddress) || code != 0 {
			t.Errorf("%s: status %d, error %v; want the address refused", url, code, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatal("a refused delivery reached the receiver")
	}
	allowed := NewService(Config{AllowPrivate: true})
	if code, err := allowed.send(context.Background(), srv.URL, []byte("key"), "msg_1", time.Now(), []byte(`{}`)); err != nil || code != http.StatusOK {
		t.Fatalf("with private addresses allowed: status %d, error %v", code, err)
	}
}

func TestBackoffIsAboutADayOverEightAttempts(t *testing.T) {
	var total time.Duration
	for attempt := 1; attempt < MaxAttempts; attempt++ {
		total += Backoff(attempt)
	}
	if total < 20*time.Hour || total > 26*time.Hour {
		t.Fatalf("the retries span %s, want about a day", total)
	}
}
