// Package wire holds what every provider's parser shares: JSON errors turned
// into problems that name the field at fault, and joining optional text.
package wire

import (
	"encoding/json"
	"errors"
	"strings"

	"returns-station/station"
)

// Invalid returns an EInvalid error for field with the provider's message
// (for example "aftership webhook is malformed"), keeping the cause for the log.
func Invalid(message, field, detail string, err error) error {
	return &station.Error{
		Code:    station.EInvalid,
		Message: message,
		Fields:  []station.FieldError{{Field: field, Detail: detail}},
		Err:     err,
	}
}

// Decode unmarshals b into v. A type error names its field under prefix
// (empty for the top level); any other error names prefix, or "body", with
// the detail notJSON.
func Decode(message string, b []byte, v any, prefix, notJSON string) error {
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		name := te.Field
		if prefix != "" {
			name = prefix + "." + name
		}
		return Invalid(message, name, "want a JSON "+te.Type.Kind().String()+", got "+te.Value, err)
	}
	if prefix == "" {
		prefix = "body"
	}
	return Invalid(message, prefix, notJSON, err)
}

// JoinNonEmpty joins the parts that are not blank.
func JoinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}
