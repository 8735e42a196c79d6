// Package greeting holds the service's pure logic.
package greeting

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// ServiceName names this service in every greeting.
const ServiceName = "go-service"

// MaxNameLength caps a visitor's name, in characters.
const MaxNameLength = 64

// ErrEmptyName is returned for names that are blank after trimming.
var ErrEmptyName = errors.New("name must not be empty")

// Line is the greeting served on GET /.
func Line() string {
	return "hello from " + ServiceName
}

// For returns a personal greeting for name.
func For(name string) (string, error) {
	n, err := NormaliseName(name)
	if err != nil {
		return "", err
	}
	return "hello " + n + ", from " + ServiceName, nil
}

// NormaliseName trims, collapses inner whitespace and caps the length of name.
func NormaliseName(raw string) (string, error) {
	cleaned := strings.Join(strings.Fields(raw), " ")
	if cleaned == "" {
		return "", ErrEmptyName
	}
	if utf8.RuneCountInString(cleaned) > MaxNameLength {
		cleaned = string([]rune(cleaned)[:MaxNameLength])
	}
	return cleaned, nil
}
