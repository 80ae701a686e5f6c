package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// BenchmarkSignup measures POST /v1/signup end to end (HTTP, argon2id,
// one transaction: organization, user, membership, verification token,
// queued email, refresh token) and reports its latency percentiles.
//
//	go test ./api/ -run '^$' -bench BenchmarkSignup -benchtime 200x
func BenchmarkSignup(b *testing.B) {
	env := testenv.New(b)
	client := &http.Client{}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := fmt.Sprintf(`{"company_name":"Bench %d","email":"bench-%d@acme.test","password":"correct horse battery","full_name":"Bench"}`, i, i)
		start := time.Now()
		res, err := client.Post(env.URL+"/v1/signup", "application/json", bytes.NewBufferString(body))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		durations = append(durations, time.Since(start))
		if res.StatusCode != http.StatusCreated {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
