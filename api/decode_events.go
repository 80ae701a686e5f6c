package api

import (
	"encoding/json"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding"
)

// eventsRequest is the body of POST /v1/events as encoding/json reads it.
type eventsRequest struct {
	Events []struct {
		ID             string          `json:"id"`
		Name           string          `json:"name"`
		Timestamp      string          `json:"timestamp"`
		Properties     json.RawMessage `json:"properties"`
		OrganizationID string          `json:"organization_id"`
		UserID         string          `json:"user_id"`
	} `json:"events"`
}

// decodeEvents reads the body of POST /v1/events. A body of the shape
// clients send is read by parseEvents, which allocates nothing per field;
// any other body (another spelling of a key, an escape in a text field, a
// null, a syntax error…) goes through decodeJSON's encoding/json path,
// which accepts or refuses it, and says why, exactly as for every body.
// FuzzParseEventsAgreesWithEncodingJSON holds the two to the same result.
func decodeEvents(c *gin.Context) ([]onboarding.ClientEvent, error) {
	body, err := readBody(c.Request)
	if err != nil {
		return nil, decodeError(err)
	}
	if events, escaped, ok := parseEvents(body); ok {
		if escaped {
			return events, checkBodyText(body)
		}
		return events, nil
	}
	var req eventsRequest
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	events := make([]onboarding.ClientEvent, len(req.Events))
	for i, e := range req.Events {
		events[i] = onboarding.ClientEvent{ID: e.ID, Name: e.Name, Timestamp: e.Timestamp, Properties: e.Properties,
			OrganizationID: e.OrganizationID, UserID: e.UserID}
	}
	return events, nil
}

// parseEvents reads body when it is exactly
//
//	{"events":[{"id":"…","name":"…","timestamp":"…","properties":…},…]}
//
// (a server key's events also carry "organization_id" and "user_id"),
// give or take JSON whitespace, with the event keys in any order, each at
// most once, spelled exactly so, the texts printable ASCII without
// escapes and properties any valid JSON value. It reports false for
// anything else, for encoding/json to read. The texts are substrings of one
// copy of the body and properties a slice of body: no allocation per field.
// escaped says whether some properties hold an escape or a byte beyond
// ASCII: only then can the body hold text checkBodyText refuses.
func parseEvents(body []byte) (events []onboarding.ClientEvent, escaped, ok bool) {
	p := eventsParser{b: body}
	if !p.skip('{') || !p.key("events") || !p.skip(':') || !p.skip('[') {
		return nil, false, false
	}
	p.text = string(body)
	// No event is shorter than 64 bytes: its id and timestamp alone are.
	events = make([]onboarding.ClientEvent, 0, min(len(body)/64, onboarding.MaxBatch))
	if !p.skip(']') {
		for {
			e, ok := p.event()
			if !ok {
				return nil, false, false
			}
			events = append(events, e)
			if p.skip(']') {
				break
			}
			if !p.skip(',') {
				return nil, false, false
			}
		}
	}
	if !p.skip('}') {
		return nil, false, false
	}
	p.space()
	return events, p.escaped, p.i == len(p.b)
}

// eventsParser walks a body for parseEvents: b is the body, text the same
// bytes as a string (set once the body looks like events), i the offset;
// escaped is set by a value holding '\\' or a byte beyond ASCII.
type eventsParser struct {
	b       []byte
	text    string
	i       int
	escaped bool
}

func (p *eventsParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// skip consumes c after whitespace, if it is next.
func (p *eventsParser) skip(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// key consumes the quoted key name, if it is next.
func (p *eventsParser) key(name string) bool {
	p.space()
	end := p.i + len(name) + 2
	if end > len(p.b) || p.b[p.i] != '"' || p.b[end-1] != '"' || string(p.b[p.i+1:end-1]) != name {
		return false
	}
	p.i = end
	return true
}

// plainText consumes a string of printable ASCII without escapes and
// returns its content.
func (p *eventsParser) plainText() (string, bool) {
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	for j := p.i + 1; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			s := p.text[p.i+1 : j]
			p.i = j + 1
			return s, true
		case c < 0x20 || c > 0x7e || c == '\\':
			return "", false
		}
	}
	return "", false
}

// event consumes one event object.
func (p *eventsParser) event() (onboarding.ClientEvent, bool) {
	var e onboarding.ClientEvent
	if !p.skip('{') {
		return e, false
	}
	if p.skip('}') {
		return e, true
	}
	var seen [6]bool
	for {
		p.space()
		var field int
		switch {
		case p.key("id"):
			field = 0
		case p.key("name"):
			field = 1
		case p.key("timestamp"):
			field = 2
		case p.key("properties"):
			field = 3
		case p.key("organization_id"):
			field = 4
		case p.key("user_id"):
			field = 5
		default:
			return e, false
		}
		if seen[field] || !p.skip(':') {
			return e, false
		}
		seen[field] = true
		ok := true
		switch field {
		case 0:
			e.ID, ok = p.plainText()
		case 1:
			e.Name, ok = p.plainText()
		case 2:
			e.Timestamp, ok = p.plainText()
		case 3:
			e.Properties, ok = p.value()
		case 4:
			e.OrganizationID, ok = p.plainText()
		case 5:
			e.UserID, ok = p.plainText()
		}
		if !ok {
			return e, false
		}
		if p.skip('}') {
			return e, true
		}
		if !p.skip(',') {
			return e, false
		}
	}
}

// value consumes one JSON value and returns its bytes, if it is valid: its
// end is found by matching brackets outside strings (or, for a number or a
// literal, by the next delimiter), then json.Valid checks it whole.
func (p *eventsParser) value() ([]byte, bool) {
	p.space()
	start := p.i
	if p.i >= len(p.b) {
		return nil, false
	}
	switch p.b[p.i] {
	case '"':
		if !p.skipString() {
			return nil, false
		}
	case '{', '[':
		if !p.skipContainer() {
			return nil, false
		}
	default:
		for p.i < len(p.b) && strings.IndexByte(" \t\n\r,}]", p.b[p.i]) < 0 {
			p.i++
		}
	}
	v := p.b[start:p.i]
	for _, c := range v {
		if c == '\\' || c >= 0x80 {
			p.escaped = true
			break
		}
	}
	return v, json.Valid(v)
}

// skipString consumes the string that starts at p.i.
func (p *eventsParser) skipString() bool {
	for j := p.i + 1; j < len(p.b); j++ {
		switch p.b[j] {
		case '\\':
			j++
		case '"':
			p.i = j + 1
			return true
		}
	}
	return false
}

// skipContainer consumes the object or array that starts at p.i, up to
// its matching bracket.
func (p *eventsParser) skipContainer() bool {
	depth := 0
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '"':
			if !p.skipString() {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				p.i++
				return true
			}
		}
		p.i++
	}
	return false
}
