package onboarding

import (
	"regexp"
	"strings"
	"testing"
)

// validEventName accepts exactly what the pattern it replaces accepted.
func TestValidEventNameIsThePattern(t *testing.T) {
	t.Parallel()
	pattern := regexp.MustCompile(`^[a-z][a-z0-9_.]{0,99}$`)
	names := []string{"", "a", "A", "_a", "1a", ".a", "app_opened", "page.viewed", "a-b", "a b", "a\n", "\na", "é", "aé",
		"ab9_.", strings.Repeat("a", 100), strings.Repeat("a", 101), "a\x00", "z", "{", "`", "a/", "a:", "a@"}
	for c := 0; c < 256; c++ {
		names = append(names, "a"+string(rune(c)), string(rune(c)))
	}
	for _, name := range names {
		if got, want := validEventName(name), pattern.MatchString(name); got != want {
			t.Errorf("validEventName(%q) = %v, the pattern says %v", name, got, want)
		}
	}
}

func FuzzValidEventNameIsThePattern(f *testing.F) {
	pattern := regexp.MustCompile(`^[a-z][a-z0-9_.]{0,99}$`)
	f.Add("app_opened")
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := validEventName(name), pattern.MatchString(name); got != want {
			t.Fatalf("validEventName(%q) = %v, the pattern says %v", name, got, want)
		}
	})
}
