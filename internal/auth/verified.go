package auth

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// The verified-token cache holds up to verifiedShards × verifiedPerShard
// tokens (131 072, at most about 27 MiB): more than the members active in
// any 15-minute window of a large deployment. When there are more, it
// degrades gently (the least recently used tokens are verified again)
// instead of forgetting everything at once.
const (
	verifiedShards   = 64
	verifiedPerShard = 2048
)

// verifiedTokens remembers tokens that passed Verify, by their SHA-256,
// until they expire. An Ed25519 verification costs ~60 µs, more than the
// rest of a typical authenticated request; a client sends the same token for
// up to 15 minutes. A cached token is accepted exactly when a fresh
// verification would accept it: the bytes are identical, the keys a signer
// trusts never change during its life, and expiry (with the parser's
// leeway) is checked on every hit. It remembers only what the token says,
// never whether that still holds: the session, membership, role and staff
// flag are read from the database on every request, cached or not.
//
// It is split in shards by key, each a fixed array of entries in least
// recently used order (a list threaded through the array by index), so
// memory is bounded, every operation is O(1), and concurrent requests
// rarely share a lock. A full shard replaces its least recently used
// entry: an expired token is never used again and gets there first; a
// token that was just verified is the most recent, since its client
// sends it again within minutes. (CLOCK, which this replaced, could take
// a token inserted moments ago before one no one had sent for minutes,
// and have it verified again at its next use.)
type verifiedTokens struct {
	shards [verifiedShards]verifiedShard
}

type verifiedShard struct {
	mu    sync.Mutex
	index map[[32]byte]int32 // key → slot in entries
	// entries, from head (most recently used) to tail through next, and
	// back through prev; noSlot ends the list.
	entries    []verifiedToken
	head, tail int32
}

// noSlot ends a shard's list.
const noSlot = -1

type verifiedToken struct {
	key        [32]byte
	p          Principal
	exp        time.Time
	prev, next int32
}

func (v *verifiedTokens) shard(key [32]byte) *verifiedShard {
	return &v.shards[binary.LittleEndian.Uint64(key[:8])%verifiedShards]
}

func (v *verifiedTokens) get(token string, now time.Time) (Principal, bool) {
	key := sha256.Sum256([]byte(token))
	s := v.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[key]
	if !ok {
		return Principal{}, false
	}
	e := &s.entries[i]
	if !now.Before(e.exp.Add(verifyLeeway)) {
		return Principal{}, false
	}
	s.toFront(i)
	return e.p, true
}

func (v *verifiedTokens) put(token string, p Principal, exp time.Time) {
	key := sha256.Sum256([]byte(token))
	s := v.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index == nil {
		s.index = make(map[[32]byte]int32, verifiedPerShard)
		s.entries = make([]verifiedToken, 0, verifiedPerShard)
		s.head, s.tail = noSlot, noSlot
	}
	if i, ok := s.index[key]; ok {
		s.entries[i].p, s.entries[i].exp = p, exp
		s.toFront(i)
		return
	}
	entry := verifiedToken{key: key, p: p, exp: exp, prev: noSlot, next: noSlot}
	var i int32
	if len(s.entries) < verifiedPerShard {
		i = int32(len(s.entries))
		s.entries = append(s.entries, entry)
	} else {
		i = s.tail
		s.unlink(i)
		delete(s.index, s.entries[i].key)
		s.entries[i] = entry
	}
	s.index[key] = i
	s.pushFront(i)
}

// toFront makes slot i the most recently used.
func (s *verifiedShard) toFront(i int32) {
	if s.head == i {
		return
	}
	s.unlink(i)
	s.pushFront(i)
}

func (s *verifiedShard) unlink(i int32) {
	e := &s.entries[i]
	if e.prev != noSlot {
		s.entries[e.prev].next = e.next
	} else {
		s.head = e.next
	}
	if e.next != noSlot {
		s.entries[e.next].prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = noSlot, noSlot
}

func (s *verifiedShard) pushFront(i int32) {
	e := &s.entries[i]
	e.prev, e.next = noSlot, s.head
	if s.head != noSlot {
		s.entries[s.head].prev = i
	}
	s.head = i
	if s.tail == noSlot {
		s.tail = i
	}
}
