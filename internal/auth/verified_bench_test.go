package auth

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkVerifiedTokens reads tokens at random from a population of
// the given size (inserting each on a miss, as Verify does), in parallel:
// 100 000 tokens fit; with more tokens than the cache holds, the hit rate
// falls gently instead of collapsing.
func BenchmarkVerifiedTokens(b *testing.B) {
	for _, population := range []int{4096, 100_000, 300_000} {
		b.Run(fmt.Sprintf("tokens=%d", population), func(b *testing.B) {
			var v verifiedTokens
			now := time.Now()
			exp := now.Add(15 * time.Minute)
			tokens := make([]string, population)
			for i := range tokens {
				tokens[i] = fmt.Sprintf("token-%d-%s", i, uuid.NewString())
			}
			var misses, reads atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := rand.Int()
				var m, r int64
				for pb.Next() {
					i = (i*1103515245 + 12345) & 0x7fffffff
					tok := tokens[i%population]
					r++
					if _, ok := v.get(tok, now); !ok {
						m++
						v.put(tok, Principal{}, exp)
					}
				}
				misses.Add(m)
				reads.Add(r)
			})
			b.ReportMetric(1-float64(misses.Load())/float64(reads.Load()), "hit-rate")
		})
	}
}
