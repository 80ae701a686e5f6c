package stripemock

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestProxyRecordsAndForwards(t *testing.T) {
	p := NewProxy(t)
	form := url.Values{"name": {"Acme"}, "metadata[organization_id]": {"org-1"}}
	req, _ := http.NewRequest("POST", p.URL+"/v1/customers", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Stripe-Version", "2023-10-16")
	req.Header.Set("Idempotency-Key", "k1")
	req.SetBasicAuth("sk_test_stripemock", "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("stripe-mock answered %d", res.StatusCode)
	}
	got := p.Find("POST", "/v1/customers")
	if len(got) != 1 || got[0].Form.Get("metadata[organization_id]") != "org-1" || got[0].IdempotencyKey != "k1" || got[0].Status != 200 {
		t.Fatalf("recorded %+v", got)
	}
	// stripe-mock runs with -strict-version-check: another version is refused.
	req, _ = http.NewRequest("GET", p.URL+"/v1/customers/cus_1", nil)
	req.Header.Set("Stripe-Version", "2020-08-27")
	req.SetBasicAuth("sk_test_stripemock", "")
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("another API version answered %d, want 400 (strict version check)", res.StatusCode)
	}
}

func TestProxyInjectsFailures(t *testing.T) {
	p := NewProxy(t)
	p.Fail("POST", "/v1/checkout/", 503, 1)
	for i, want := range []int{503, 200} {
		req, _ := http.NewRequest("POST", p.URL+"/v1/checkout/sessions", strings.NewReader("mode=payment&success_url=https://x.test&line_items[0][price]=price_1&line_items[0][quantity]=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("sk_test_stripemock", "")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("request %d: %d, want %d", i, res.StatusCode, want)
		}
	}
}

// A held request waits before stripe-mock, and goes on once released.
func TestProxyHold(t *testing.T) {
	p := NewProxy(t)
	arrived, release := p.Hold("GET", "/v1/customers/")
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", p.URL+"/v1/customers/cus_1", nil)
		req.Header.Set("Stripe-Version", "2023-10-16")
		req.SetBasicAuth("sk_test_stripemock", "")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	<-arrived
	if n := len(p.Find("GET", "/v1/customers/")); n != 0 {
		t.Fatalf("a held request was answered (%d recorded)", n)
	}
	release()
	if status := <-done; status != 200 {
		t.Fatalf("released request answered %d", status)
	}
	release() // releasing twice is harmless
}

func TestProxyPlaysBackAnswersAndRecordsResponses(t *testing.T) {
	p := NewProxy(t)
	p.Answer("GET", "/v1/prices", func(r Request) (int, any) {
		return 200, map[string]any{"object": "list", "data": []any{map[string]any{"id": "price_" + r.Query.Get("lookup_keys[]")}}}
	})
	get := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", p.URL+path, nil)
		req.SetBasicAuth("sk_test_stripemock", "")
		req.Header.Set("Stripe-Version", "2023-10-16")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	get("/v1/prices?lookup_keys[]=k1")
	get("/v1/customers/cus_1") // not answered: stripe-mock's fixture
	got := p.Requests()
	if len(got) != 2 || got[0].Status != 200 || !strings.Contains(string(got[0].Response), `"price_k1"`) {
		t.Fatalf("played back %+v", got)
	}
	if !strings.Contains(string(got[1].Response), `"object": "customer"`) && !strings.Contains(string(got[1].Response), `"object":"customer"`) {
		t.Fatalf("stripe-mock's answer was not recorded: %s", got[1].Response)
	}
}
