//go:build !linux

package watch

import "context"

// watchNetwork reports nothing here: lost networks are noticed by TCP
// keepalive and the NOOP liveness check.
func watchNetwork(context.Context) (<-chan struct{}, error) { return nil, nil }
