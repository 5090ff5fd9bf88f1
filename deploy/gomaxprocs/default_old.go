//go:build !go1.25

package gomaxprocs

import "errors"

func setDefault() error {
	return errors.New("handing GOMAXPROCS back to the runtime needs Go 1.25 or later")
}
