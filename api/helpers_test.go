package api_test

import (
	"io"
	"net/http"
	"sync"
	"testing"
)

// parallel runs f(0..n-1) at once and returns what each answered.
func parallel(n int, f func(i int) int) []int {
	out := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i] = f(i)
		}(i)
	}
	wg.Wait()
	return out
}

func count(statuses []int, status int) int {
	n := 0
	for _, s := range statuses {
		if s == status {
			n++
		}
	}
	return n
}

// rawResponse is a response read without the spec check, for requests
// openapi.yaml cannot describe (made-up methods, unknown paths).
type rawResponse struct {
	Status int
	Header http.Header
	Body   string
}

// sendRaw sends a bodiless request and does not follow redirects, so a test
// sees exactly what the server answered.
func sendRaw(t *testing.T, method, url string) rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatalf("build %s %s: %v", method, url, err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%.40s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return rawResponse{Status: res.StatusCode, Header: res.Header, Body: string(body)}
}
