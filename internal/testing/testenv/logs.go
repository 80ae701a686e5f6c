package testenv

import "github.com/onramp/onramp/internal/testing/logtest"

// LogBuffer keeps every line the service logged.
type LogBuffer = logtest.Buffer
