package greeting

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLineNamesTheService(t *testing.T) {
	if got, want := Line(), "hello from go-service"; got != want {
		t.Fatalf("Line() = %q, want %q", got, want)
	}
}

func TestFor(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		{"Ada", "hello Ada, from go-service", nil},
		{"  Ada \t Lovelace ", "hello Ada Lovelace, from go-service", nil},
		{"   ", "", ErrEmptyName},
	}
	for _, c := range cases {
		got, err := For(c.in)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("For(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestLongNamesAreCappedByCharacters(t *testing.T) {
	got, err := NormaliseName(strings.Repeat("é", 500))
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(got); n != MaxNameLength {
		t.Fatalf("got %d characters, want %d", n, MaxNameLength)
	}
}
