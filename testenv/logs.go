package testenv

import "github.com/onramp/onramp/logtest"

// LogBuffer keeps every line the service logged.
type LogBuffer = logtest.Buffer
