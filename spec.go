// Package onramp holds what belongs to the whole service rather than to one
// package: the OpenAPI description served at /openapi.yaml and used by the
// tests to validate every response.
package onramp

import _ "embed"

// OpenAPI is openapi.yaml, the machine-readable API contract.
//
//go:embed openapi.yaml
var OpenAPI []byte
