// Package jsoncheck is the strict reading of a record that LogCrest's tests
// (and package logcresttest) hold every line to: one JSON value with no key
// repeated in any object at any depth (I-JSON, RFC 7493), as a strict
// parser reads it. It is deliberately independent of the code that makes
// keys unique (jsonenc.Uniquer): it decodes with encoding/json's token
// stream.
package jsoncheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Unique returns nil when line (with or without its final '\n') is exactly
// one well-formed JSON value in which no object repeats a key, compared as
// decoded strings; else an error naming the repeated key and where it is,
// for example `key "seq" repeated in $`, or the syntax error.
func Unique(line []byte) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := value(dec, "$"); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("more than one JSON value on the line (%v)", err)
	}
	return nil
}

// value reads one value from dec; path names it.
func value(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k := kt.(string)
			if seen[k] {
				return fmt.Errorf("key %q repeated in %s", k, path)
			}
			seen[k] = true
			if err := value(dec, path+"."+quoteKey(k)); err != nil {
				return err
			}
		}
		_, err = dec.Token() // '}'
		return err
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := value(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
		return err
	}
	return nil
}

func quoteKey(k string) string {
	if k != "" && !strings.ContainsAny(k, ".[]\" ") {
		return k
	}
	return fmt.Sprintf("%q", k)
}
