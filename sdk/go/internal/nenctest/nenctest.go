// Package nenctest runs a real orchestrator, and optionally a TypeScript
// worker, for the Go SDK's tests. It needs node and the repository's
// node_modules (npm ci at the repository root).
package nenctest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"time"
)

const (
	startTimeout = 60 * time.Second
	stopTimeout  = 10 * time.Second
)

var (
	listening = regexp.MustCompile(`listening on (https?://\S+)`)
	ready     = regexp.MustCompile(`^READY$`)
)

// Env is an orchestrator on the memory store, and the worker started with it.
type Env struct {
	// URL is the orchestrator's address, e.g. "http://127.0.0.1:40271".
	URL string
	// Root is the repository root.
	Root      string
	processes []*process
}

// Start runs `node bin/nenc.js serve --port 0` from the repository root and,
// when workerScript is not empty, `node --import tsx <workerScript>` (a path
// from the root) with NENC_URL set, waiting for the worker to print READY.
func Start(workerScript string) (*Env, error) {
	env, err := StartServer()
	if err != nil {
		return nil, err
	}
	root := env.Root
	if workerScript != "" {
		worker, _, err := start("worker "+workerScript, root,
			[]string{"NENC_URL=" + env.URL, "NENC_LOG_LEVEL=warn"}, ready, "node", "--import", "tsx", workerScript)
		if err != nil {
			return nil, errors.Join(err, env.Stop())
		}
		env.processes = append(env.processes, worker)
	}
	return env, nil
}

// StartServer runs `node bin/nenc.js serve --port 0` with more arguments (e.g.
// --tls-cert), and no worker.
func StartServer(args ...string) (*Env, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	// An empty NENC_REDIS_URL keeps a developer's Redis out of the tests.
	server, match, err := start("orchestrator", root, []string{"NENC_LOG_LEVEL=warn", "NENC_REDIS_URL="}, listening,
		append([]string{"node", "bin/nenc.js", "serve", "--port", "0"}, args...)...)
	if err != nil {
		return nil, err
	}
	return &Env{URL: match[1], Root: root, processes: []*process{server}}, nil
}

// Stop stops the worker, then the orchestrator (SIGTERM, then SIGKILL after 10 s).
func (e *Env) Stop() error {
	var errs []error
	for i := len(e.processes) - 1; i >= 0; i-- {
		errs = append(errs, e.processes[i].stop())
	}
	e.processes = nil
	return errors.Join(errs...)
}

// repoRoot walks up from the working directory (the package under test) to
// the directory holding bin/nenc.js.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "bin", "nenc.js")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("nenctest: no bin/nenc.js above the working directory; run the tests inside the nenc repository")
		}
		dir = parent
	}
}

type process struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has exited
	err    error         // cmd.Wait's error, set before exited is closed
	output []string      // stdout up to the ready line, for error messages
}

// start runs a command and waits for a stdout line matching ready; it returns
// the line's submatches. Stderr goes to the test's stderr.
func start(name, dir string, env []string, ready *regexp.Regexp, args ...string) (*process, []string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	setParentDeathSignal(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("nenctest: starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, exited: make(chan struct{})}
	matched := make(chan []string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		found := false
		for scanner.Scan() { // keeps draining after the ready line so the child never blocks
			if found {
				continue
			}
			p.output = append(p.output, scanner.Text())
			if m := ready.FindStringSubmatch(scanner.Text()); m != nil {
				found = true
				matched <- m
			}
		}
		p.err = cmd.Wait()
		close(p.exited)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case m := <-matched:
		return p, m, nil
	case <-p.exited:
		return nil, nil, fmt.Errorf("nenctest: %s exited (%v) before printing a line matching %q; stdout: %q",
			name, p.err, ready, p.output)
	case <-timer.C:
		return nil, nil, errors.Join(
			fmt.Errorf("nenctest: %s printed no line matching %q within %s", name, ready, startTimeout), p.stop())
	}
}

func (p *process) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-p.exited:
		return nil
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("nenctest: %s did not stop within %s of SIGTERM; killed it", p.name, stopTimeout)
	}
}
