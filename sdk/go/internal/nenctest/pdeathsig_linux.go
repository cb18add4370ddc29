package nenctest

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal kills the child if the test binary dies without
// stopping it (a panic, a -timeout), so no orchestrator outlives its tests.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
