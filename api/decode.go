package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
)

// decodeJSON reads the request body into v. Malformed JSON is a 400; a field
// of the wrong type or an unknown field is a 422 naming the field, so typos in
// field names surface instead of being silently ignored; so is text that
// PostgreSQL cannot store (invalid UTF-8, NUL); an oversized body is a 413.
func decodeJSON(c *gin.Context, v any) error {
	body, err := readBody(c.Request)
	if err != nil {
		return decodeError(err)
	}
	return decodeBody(body, v)
}

// readBody reads the whole request body, in one allocation when its length
// is declared. withBodyLimit caps what it can read.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 || r.ContentLength > maxBodyBytes {
		return io.ReadAll(r.Body)
	}
	// One byte more than declared, so that the read reaching the end
	// does not grow the buffer.
	b := make([]byte, 0, r.ContentLength+1)
	for {
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// decodeBody is decodeJSON on a body already read.
func decodeBody(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.Malformed("request body must hold a single JSON object")
	}
	return checkBodyText(body)
}

func decodeError(err error) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxErr    *http.MaxBytesError
	)
	switch {
	case errors.As(err, &maxErr):
		return tooLarge()
	case errors.Is(err, io.EOF):
		return apperr.Malformed("request body is empty; send a JSON object")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Malformed("request body is not valid JSON")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return apperr.Malformed("request body must be a JSON object")
		}
		return apperr.InvalidField(field, fmt.Sprintf("must be of type %s", jsonType(typeErr.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apperr.InvalidField(name, "unknown field")
	default:
		return apperr.Malformed("request body is not valid JSON")
	}
}

func tooLarge() error {
	return &apperr.Error{Code: apperr.CodeTooLarge, Message: fmt.Sprintf("request body exceeds %d bytes", maxBodyBytes)}
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "integer"
	case "float32", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	default:
		return kind
	}
}
