package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	nencv1 "github.com/nenc-dev/nenc/sdk/go/gen/nenc/v1"
	"github.com/nenc-dev/nenc/sdk/go/internal/nenctest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

var env *nenctest.Env

func TestMain(m *testing.M) {
	var err error
	if env, err = nenctest.Start(""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

var eventLine = regexp.MustCompile(`^\{"eventId":"(evt_[^"]+)"\}\n$`)

// goRun runs the command exactly as the cross-language tests do: `go run
// ./cmd/nenc-emit ...` in sdk/go.
func goRun(t *testing.T, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", "./cmd/nenc-emit"}, args...)...)
	cmd.Dir = filepath.Join(env.Root, "sdk", "go")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("go run: %v", err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

func TestGoRunEmitsAndPrintsTheEventID(t *testing.T) {
	key := fmt.Sprintf("cli-%d", time.Now().UnixNano())
	args := []string{"-url", env.URL, "-code", "go.cli.test", "-payload", `{"k":"v","n":2}`, "-key", key}
	stdout, stderr, exitCode := goRun(t, args...)
	match := eventLine.FindStringSubmatch(stdout)
	if exitCode != 0 || match == nil || stderr != "" {
		t.Fatalf("go run = exit %d, stdout %q, stderr %q; want exit 0 and {\"eventId\":\"evt_...\"}", exitCode, stdout, stderr)
	}

	conn, err := grpc.NewClient(strings.TrimPrefix(env.URL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stored, err := nencv1.NewEventServiceClient(conn).GetEvent(t.Context(), &nencv1.GetEventRequest{Id: match[1]})
	if err != nil {
		t.Fatalf("GetEvent(%s): %v", match[1], err)
	}
	event := stored.GetEvent()
	if event.GetCode() != "go.cli.test" || event.GetIdempotencyKey() != key ||
		!reflect.DeepEqual(event.GetPayload().AsMap(), map[string]any{"k": "v", "n": 2.0}) {
		t.Errorf("stored event = %v", event)
	}

	again, _, exitCode := goRun(t, args...)
	if exitCode != 0 || again != stdout {
		t.Errorf("re-run with key %q = exit %d, %q; want exit 0 and the first output %q", key, exitCode, again, stdout)
	}
}

func TestGoRunPrintsTheServerErrorAndFails(t *testing.T) {
	stdout, stderr, exitCode := goRun(t, "-url", env.URL, "-code", "bad code")
	want := `nenc: INVALID_ARGUMENT: code: "bad code" may use letters, digits`
	if exitCode == 0 || stdout != "" || !strings.HasPrefix(stderr, want) {
		t.Errorf("go run = exit %d, stdout %q, stderr %q; want a failure with stderr starting %q", exitCode, stdout, stderr, want)
	}
}

func TestRunReadsNENC_URL(t *testing.T) {
	t.Setenv("NENC_URL", env.URL)
	var stdout, stderr bytes.Buffer
	exitCode := run(t.Context(), []string{"-code", "go.cli.env"}, &stdout, &stderr)
	if exitCode != 0 || !eventLine.MatchString(stdout.String()) || stderr.Len() != 0 {
		t.Errorf("run = exit %d, stdout %q, stderr %q", exitCode, stdout.String(), stderr.String())
	}
}

func TestRunRefusesBadFlagsBeforeSending(t *testing.T) {
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{"-payload", `{"k":"v"}`}, "nenc-emit: -code is required, e.g. -code user.login\n"},
		{[]string{"-code", "a", "-payload", "[1]"}, "nenc-emit: -payload must be one JSON object such as {\"k\":\"v\"}, got \"[1]\"\n"},
		{[]string{"-code", "a", "-payload", "null"}, "nenc-emit: -payload must be one JSON object such as {\"k\":\"v\"}, got \"null\"\n"},
		{[]string{"-code", "a", "-payload", "{} {}"}, "nenc-emit: -payload must be one JSON object such as {\"k\":\"v\"}, got \"{} {}\"\n"},
		{[]string{"-code", "a", "extra"}, "nenc-emit: unexpected argument \"extra\"; pass everything as flags\n"},
	}
	for _, c := range cases {
		// An unreachable URL: these must fail before any connection is tried.
		args := append([]string{"-url", "http://127.0.0.1:1"}, c.args...)
		var stdout, stderr bytes.Buffer
		exitCode := run(t.Context(), args, &stdout, &stderr)
		if exitCode != 2 || stdout.Len() != 0 || stderr.String() != c.stderr {
			t.Errorf("run(%q) = exit %d, stdout %q, stderr %q; want exit 2, stderr %q",
				c.args, exitCode, stdout.String(), stderr.String(), c.stderr)
		}
	}
}

func TestRunFailsWhenNoOrchestratorAnswers(t *testing.T) {
	var stdout, stderr bytes.Buffer
	exitCode := run(t.Context(), []string{"-url", "http://127.0.0.1:1", "-code", "a"}, &stdout, &stderr)
	want := "nenc: UNAVAILABLE: no orchestrator answers at http://127.0.0.1:1: "
	if exitCode != 1 || stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("run = exit %d, stdout %q, stderr %q; want exit 1, stderr starting %q", exitCode, stdout.String(), stderr.String(), want)
	}
}

// The payload reaches the server as JSON numbers of any size, not rounded by Go.
func TestCheckInputKeepsNumbers(t *testing.T) {
	body, err := checkInput(nil, "a", `{"n":12345678901234567890}`)
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := json.Marshal(body); string(out) != `{"n":12345678901234567890}` {
		t.Errorf("payload re-encodes as %s", out)
	}
}
