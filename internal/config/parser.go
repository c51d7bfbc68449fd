package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// parser walks the decoded TOML tree and collects every problem.
type parser struct {
	file  string
	lines map[string]int
	env   Env
	errs  []*Error
	// defaults is the [defaults] table, nil when absent.
	defaults map[string]any
}

// present reports whether an account's key is written in its table t or
// in [defaults] (whether or not its value was valid).
func (p *parser) present(t map[string]any, name string) bool {
	_, own := t[name]
	_, def := p.defaults[name]
	return own || def
}

// fail records a problem at key.
func (p *parser) fail(key toml.Key, format string, args ...any) {
	p.errs = append(p.errs, &Error{
		File: p.file, Line: lineOf(p.lines, key), Key: key.String(),
		Msg: fmt.Sprintf(format, args...),
	})
}

// typeName is the TOML name of a decoded value's type (never its content).
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case time.Time:
		return "date/time"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	}
	return fmt.Sprintf("%T", v)
}

func (p *parser) str(key toml.Key, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		p.fail(key, "want a string, got %s", typeName(v))
	}
	return s, ok
}

// nonEmpty is str that also refuses "".
func (p *parser) nonEmpty(key toml.Key, v any) (string, bool) {
	s, ok := p.str(key, v)
	if ok && strings.TrimSpace(s) == "" {
		p.fail(key, "must not be empty")
		return "", false
	}
	return s, ok
}

func (p *parser) oneOf(key toml.Key, v any, allowed ...string) (string, bool) {
	s, ok := p.str(key, v)
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if s == a {
			return s, true
		}
	}
	p.fail(key, "%q is not one of %s", s, strings.Join(allowed, ", "))
	return "", false
}

func (p *parser) sides(key toml.Key, v any, dst *Sides) {
	if s, ok := p.oneOf(key, v, "both", "far", "near", "none"); ok {
		*dst = Sides(s)
	}
}

func (p *parser) intRange(key toml.Key, v any, lo, hi int) (int, bool) {
	n, ok := v.(int64)
	if !ok {
		p.fail(key, "want an integer, got %s", typeName(v))
		return 0, false
	}
	if n < int64(lo) || n > int64(hi) {
		p.fail(key, "%d is out of range %d..%d", n, lo, hi)
		return 0, false
	}
	return int(n), true
}

func (p *parser) boolean(key toml.Key, v any) (bool, bool) {
	b, ok := v.(bool)
	if !ok {
		p.fail(key, "want true or false, got %s", typeName(v))
	}
	return b, ok
}

func (p *parser) strList(key toml.Key, v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		p.fail(key, "want an array of strings, got %s", typeName(v))
		return nil, false
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			p.fail(key, "element %d: want a string, got %s", i+1, typeName(e))
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func (p *parser) path(key toml.Key, v any) (string, bool) {
	s, ok := p.nonEmpty(key, v)
	if !ok {
		return "", false
	}
	out, err := expandPath(s, p.env)
	if err != nil {
		p.fail(key, "%v", err)
		return "", false
	}
	return out, true
}

// parsed runs a string parser and reports its error at key.
func parsed[T any](p *parser, key toml.Key, v any, parse func(string) (T, error)) (T, bool) {
	var zero T
	s, ok := p.str(key, v)
	if !ok {
		return zero, false
	}
	out, err := parse(s)
	if err != nil {
		p.fail(key, "%v", err)
		return zero, false
	}
	return out, true
}

// duration reads a Go duration string ("300ms", "30m") within lo..hi.
func (p *parser) duration(key toml.Key, v any, lo, hi time.Duration) (time.Duration, bool) {
	d, ok := parsed(p, key, v, time.ParseDuration)
	if !ok {
		return 0, false
	}
	if d < lo || d > hi {
		p.fail(key, "%s is out of range %s..%s", d, lo, hi)
		return 0, false
	}
	return d, true
}
