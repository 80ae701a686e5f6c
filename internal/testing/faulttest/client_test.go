//go:build faulttest

package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// hangLimit is the longest a request may take: a client gives up then,
// and the run counts it as hung.
const hangLimit = 5 * time.Second

// outcome is one request as the client saw it.
type outcome struct {
	instance   int
	start, end time.Time
	status     int // 0: no HTTP answer (refused, cut, timed out)
	hung       bool
}

// client sends requests to the instances and keeps every outcome.
type client struct {
	instances []*instance
	http      *http.Client

	mu       sync.Mutex
	outcomes []outcome
}

func newClient(instances []*instance) *client {
	return &client{instances: instances, http: &http.Client{Timeout: hangLimit, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// do sends method path (body: JSON, or nil) with headers to instance k
// (-1: any), and returns the status (0 when no answer) and body.
func (c *client) do(k int, method, path string, body any, headers map[string]string) (int, []byte) {
	if k < 0 {
		k = rand.IntN(len(c.instances))
	}
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			panic(err)
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.instances[k].url()+path, bytes.NewReader(raw))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for h, v := range headers {
		req.Header.Set(h, v)
	}
	o := outcome{instance: k, start: time.Now()}
	res, err := c.http.Do(req)
	var out []byte
	if err == nil {
		out, err = io.ReadAll(res.Body)
		res.Body.Close()
		o.status = res.StatusCode
	}
	o.end = time.Now()
	var timeout interface{ Timeout() bool }
	o.hung = err != nil && errors.As(err, &timeout) && timeout.Timeout()
	c.mu.Lock()
	c.outcomes = append(c.outcomes, o)
	c.mu.Unlock()
	return o.status, out
}

// until retries do on any instance until it answers one of want, or the
// deadline passes (then it returns the last status).
func (c *client) until(deadline time.Time, want []int, method, path string, body any, headers map[string]string) (int, []byte) {
	for {
		status, out := c.do(-1, method, path, body, headers)
		for _, w := range want {
			if status == w {
				return status, out
			}
		}
		if time.Now().After(deadline) {
			return status, out
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}
