//go:build !linux

package stripemock

import "syscall"

// procAttr: without a parent-death signal stripe-mock outlives a crashed
// test binary on this platform; a normal exit still closes its pipe.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
