//go:build !linux

package nenctest

import "os/exec"

// setParentDeathSignal is Linux-only; elsewhere Env.Stop is the only cleanup.
func setParentDeathSignal(*exec.Cmd) {}
