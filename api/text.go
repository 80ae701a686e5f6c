package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/onramp/onramp/internal/apperr"
)

// PostgreSQL's text refuses NUL characters and invalid UTF-8, and its
// jsonb also refuses the escape \u0000 and unpaired UTF-16 surrogates. Input
// is checked for them here, once for every body and parameter, so that a
// client's bad byte is a 422 naming the field instead of a failed query.
const (
	notUTF8      = "must be valid UTF-8"
	hasNUL       = "must not contain NUL characters"
	hasSurrogate = "must not contain an unpaired UTF-16 surrogate"
)

// textProblem says why s cannot be stored as text, or "" when it can.
func textProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return notUTF8
	case strings.ContainsRune(s, 0):
		return hasNUL
	default:
		return ""
	}
}

// checkBodyText refuses a JSON body holding text PostgreSQL cannot store,
// naming the field that holds it. It reads the raw bytes rather than the
// decoded value because decoding hides the problem: encoding/json turns
// invalid UTF-8 and unpaired surrogates into U+FFFD in strings, but keeps
// them verbatim in a json.RawMessage (e.g. event properties, bound for
// jsonb). body must be valid JSON.
func checkBodyText(body []byte) error {
	at, why := firstBadText(body)
	if at < 0 {
		return nil
	}
	field := fieldAt(body, at)
	if field == "" {
		return &apperr.Error{Code: apperr.CodeInvalid, Message: "request body " + why}
	}
	return apperr.InvalidField(field, why)
}

// firstBadText is the offset of the first invalid UTF-8 sequence, \u0000
// escape or unpaired surrogate escape in body, and why it is refused; -1
// when there is none.
func firstBadText(body []byte) (int, string) {
	inString := false
	for i := 0; i < len(body); {
		b := body[i]
		switch {
		case b >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size == 1 {
				return i, notUTF8
			}
			i += size
			continue
		case b == '"':
			inString = !inString
		case b == '\\' && inString && body[i+1] == 'u':
			r := hexRune(body[i+2 : i+6])
			switch {
			case r == 0:
				return i, hasNUL
			case utf16.IsSurrogate(r):
				if r < 0xdc00 && isLowSurrogateEscape(body[i+6:]) {
					i += 12
					continue
				}
				return i, hasSurrogate
			}
			i += 6
			continue
		case b == '\\' && inString:
			i += 2 // a one-character escape, \" included
			continue
		}
		i++
	}
	return -1, ""
}

func isLowSurrogateEscape(b []byte) bool {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return false
	}
	r := hexRune(b[2:6])
	return r >= 0xdc00 && r <= 0xdfff
}

// hexRune reads the four hex digits of a \u escape that the JSON decoder
// has already accepted.
func hexRune(digits []byte) rune {
	n, _ := strconv.ParseUint(string(digits), 16, 32)
	return rune(n)
}

// jsonPathStep is one open object or array on the way to a value.
type jsonPathStep struct {
	inArray  bool
	index    int    // in an array: the current element
	key      string // in an object: the current member
	awaitKey bool   // in an object: the next string is a key
}

// fieldAt names the value holding byte offset off of body in the API's
// field notation (events[3].properties.note). An offset inside an object's
// key names the object.
func fieldAt(body []byte, off int) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	var path []jsonPathStep
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		past := int(dec.InputOffset()) > off
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				path = append(path, jsonPathStep{inArray: t == '[', awaitKey: t == '{'})
				continue
			}
			path = path[:len(path)-1]
		case string:
			if top := len(path) - 1; top >= 0 && path[top].awaitKey {
				if past {
					return pathName(path[:top])
				}
				path[top].key, path[top].awaitKey = t, false
				continue
			}
		}
		if past {
			return pathName(path)
		}
		// A value ended: its container moves on to the next one.
		if top := len(path) - 1; top >= 0 {
			if path[top].inArray {
				path[top].index++
			} else {
				path[top].awaitKey = true
			}
		}
	}
}

func pathName(path []jsonPathStep) string {
	var b strings.Builder
	for _, p := range path {
		if p.inArray {
			b.WriteString("[" + strconv.Itoa(p.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.key)
	}
	return b.String()
}
