package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
)

func (v *verifiedTokens) size() int {
	n := 0
	for i := range v.shards {
		n += len(v.shards[i].index)
	}
	return n
}

// Past its capacity the cache forgets a little at a time, never all at
// once: after twice as many tokens as it holds, it is full, the tokens
// seen again in between are still there, and memory stayed bounded.
func TestVerifiedTokensEvictGentlyAndStayBounded(t *testing.T) {
	var v verifiedTokens
	now := time.Now()
	exp := now.Add(15 * time.Minute)
	const capacity = verifiedShards * verifiedPerShard
	hot := make([]string, 1000)
	for i := range hot {
		hot[i] = fmt.Sprintf("hot-%d", i)
		v.put(hot[i], Principal{UserID: uuid.New()}, exp)
	}
	for i := range 2 * capacity {
		v.put(fmt.Sprintf("cold-%d", i), Principal{UserID: uuid.New()}, exp)
		if i%1000 == 0 {
			for _, h := range hot { // the hot tokens keep being used
				if _, ok := v.get(h, now); !ok {
					t.Fatalf("hot token %s evicted after %d cold ones", h, i)
				}
			}
		}
	}
	if n := v.size(); n != capacity {
		t.Fatalf("cache holds %d tokens, want its capacity %d", n, capacity)
	}
	for i := range v.shards {
		if len(v.shards[i].entries) != len(v.shards[i].index) {
			t.Fatalf("shard %d: entries %d, index %d", i, len(v.shards[i].entries), len(v.shards[i].index))
		}
	}
	recent := 0
	for i := 2*capacity - 1000; i < 2*capacity; i++ {
		if _, ok := v.get(fmt.Sprintf("cold-%d", i), now); ok {
			recent++
		}
	}
	if recent < 990 {
		t.Errorf("only %d of the last 1000 tokens are cached", recent)
	}
}

// Expired entries are the first to go, and never answer.
func TestVerifiedTokensPreferEvictingExpiredOnes(t *testing.T) {
	var v verifiedTokens
	now := time.Now()
	const capacity = verifiedShards * verifiedPerShard
	for i := range capacity {
		v.put(fmt.Sprintf("old-%d", i), Principal{}, now.Add(-time.Hour))
		v.get(fmt.Sprintf("old-%d", i), now.Add(-2*time.Hour)) // marked as used back then
	}
	if _, ok := v.get("old-1", now); ok {
		t.Fatal("an expired token answered")
	}
	live := Principal{UserID: uuid.New()}
	for i := range capacity / 2 {
		v.put(fmt.Sprintf("live-%d", i), live, now.Add(15*time.Minute))
	}
	for i := range capacity / 2 {
		if got, ok := v.get(fmt.Sprintf("live-%d", i), now); !ok || got != live {
			t.Fatalf("live token %d lost to expired ones", i)
		}
	}
}

// Tokens that stopped being used (their clients gone quiet, still valid)
// make way for new ones: when members sign in anew and each reads once,
// the new tokens, fewer than the cache holds, are all still there for
// their next read, however many quiet ones came before. (A new entry
// counts as used: evicting it before the quiet ones would have each new
// member verified twice.)
func TestVerifiedTokensKeepNewTokensOverQuietOnes(t *testing.T) {
	var v verifiedTokens
	now := time.Now()
	exp := now.Add(15 * time.Minute)
	const capacity = verifiedShards * verifiedPerShard
	quiet := capacity * 3 / 4
	for i := range quiet {
		v.put(fmt.Sprintf("quiet-%d", i), Principal{}, exp)
		v.get(fmt.Sprintf("quiet-%d", i), now) // used, then never again
	}
	fresh := capacity * 3 / 4
	for i := range fresh {
		v.put(fmt.Sprintf("new-%d", i), Principal{}, exp)
	}
	missing := 0
	for i := range fresh {
		if _, ok := v.get(fmt.Sprintf("new-%d", i), now); !ok {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d new tokens evicted while %d quiet ones were cached", missing, fresh, quiet)
	}
}
