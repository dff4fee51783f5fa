package segment

import (
	"errors"
	"fmt"
	"strings"

	"github.com/backstory-dev/backstory/internal/event"
)

// invalidAt makes an invalid_argument error whose message starts with
// the definition path it concerns, like "criteria[2].did.where[0].op".
func invalidAt(path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if path == "" {
		return event.Invalid("%s", msg)
	}
	return event.Invalid("%s: %s", path, msg)
}

// wrapAt prefixes a user-facing error with a path, keeping its code.
func wrapAt(path string, err error) error {
	var e *event.Error
	if errors.As(err, &e) {
		return event.Errorf(e.Code, "%s: %s", path, e.Message)
	}
	return invalidAt(path, "%v", err)
}

// join builds a child path: join("criteria[0]", "did") is
// "criteria[0].did".
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index builds an element path: index("criteria", 2) is "criteria[2]".
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// list spells the allowed choices of an error message.
func list(choices []string) string {
	return strings.Join(choices, ", ")
}
