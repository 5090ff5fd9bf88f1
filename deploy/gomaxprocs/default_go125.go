//go:build go1.25

package gomaxprocs

import "runtime"

// setDefault hands GOMAXPROCS back to the runtime, which then follows the CPU limit again.
func setDefault() error {
	runtime.SetDefaultGOMAXPROCS()
	return nil
}
