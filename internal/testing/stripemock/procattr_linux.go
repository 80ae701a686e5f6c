package stripemock

import "syscall"

// procAttr kills stripe-mock when the test binary exits, however it exits.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
