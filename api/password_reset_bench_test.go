package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// BenchmarkPasswordResetRequest measures POST /v1/auth/password-reset for
// an address with an account and one without, alternately (so both see
// the same load), and reports each one's latency percentiles: they must not
// differ, or the timing tells which addresses have an account. Every
// request names a fresh address, and every pair comes from a fresh client
// (X-Forwarded-For behind a trusted proxy), so no limit is reached.
//
//	go test ./api/ -run '^$' -bench BenchmarkPasswordResetRequest -benchtime 500x
func BenchmarkPasswordResetRequest(b *testing.B) {
	env := testenv.New(b, func(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
	org := env.NewOrg(b, testenv.OrgOptions{})
	known := make([]string, b.N)
	for i := range known {
		id, _ := env.NewMember(b, org.ID, "member")
		known[i] = fmt.Sprintf("user-%s@example.test", id) // testenv's fixture address
	}
	client := &http.Client{}
	post := func(from, email string) time.Duration {
		req, err := http.NewRequest(http.MethodPost, env.URL+"/v1/auth/password-reset", bytes.NewBufferString(`{"email":"`+email+`"}`))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			b.Fatalf("status %d", res.StatusCode)
		}
		return time.Since(start)
	}
	var withAccount, without []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		from := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		withAccount = append(withAccount, post(from, known[i]))
		without = append(without, post(from, fmt.Sprintf("ghost-%d@example.test", i)))
	}
	b.StopTimer()
	for name, ds := range map[string][]time.Duration{"known": withAccount, "unknown": without} {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		pct := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000 }
		b.ReportMetric(pct(0.50), name+"-p50-ms")
		b.ReportMetric(pct(0.90), name+"-p90-ms")
	}
}
