// Package logtest collects what a service logged, so tests can assert on what
// operators would see (and on what must never appear, like secrets).
package logtest

import (
	"bytes"
	"encoding/json"
	"sync"
)

// Buffer keeps every line the service logged, so tests can assert on
// what operators would see (and on what must never appear, like secrets).
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything logged so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines are the logged records, decoded.
func (b *Buffer) Lines() []map[string]any {
	var out []map[string]any
	for _, line := range bytes.Split([]byte(b.String()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}
