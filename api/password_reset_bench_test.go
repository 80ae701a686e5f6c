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

// BenchmarkPasswordResetRequest measures POST /v1/auth/password-reset for
// an address with an account and one without, alternately (so both see
// the same load), and reports each one's latency percentiles: they must not
// differ, or the timing tells which addresses have an account. Every
// request names a fresh address, so no per-address limit is reached.
//
//	go test ./api/ -run '^$' -bench BenchmarkPasswordResetRequest -benchtime 500x
func BenchmarkPasswordResetRequest(b *testing.B) {
	env := testenv.New(b)
	org := env.NewOrg(b, testenv.OrgOptions{})
	known := make([]string, b.N)
	for i := range known {
		id, _ := env.NewMember(b, org.ID, "member")
		known[i] = fmt.Sprintf("user-%s@example.test", id) // testenv's fixture address
	}
	client := &http.Client{}
	post := func(email string) time.Duration {
		start := time.Now()
		res, err := client.Post(env.URL+"/v1/auth/password-reset", "application/json", bytes.NewBufferString(`{"email":"`+email+`"}`))
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
		withAccount = append(withAccount, post(known[i]))
		without = append(without, post(fmt.Sprintf("ghost-%d@example.test", i)))
	}
	b.StopTimer()
	for name, ds := range map[string][]time.Duration{"known": withAccount, "unknown": without} {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		pct := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000 }
		b.ReportMetric(pct(0.50), name+"-p50-ms")
		b.ReportMetric(pct(0.90), name+"-p90-ms")
	}
}
