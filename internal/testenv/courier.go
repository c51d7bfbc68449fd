package testenv

import (
	"context"
	"errors"
)

// StartCourier starts a new private Courier-IMAP.
func StartCourier(ctx context.Context) (*OtherServer, error) {
	return nil, errors.New("testenv: courier: not yet")
}
