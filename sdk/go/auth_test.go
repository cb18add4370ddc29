package nenc_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	nenc "github.com/nenc-dev/nenc/sdk/go"
	"github.com/nenc-dev/nenc/sdk/go/internal/nenctest"
)

// createToken runs `nenc token create` and returns the secret it prints once.
func createToken(t *testing.T, root, file, name string, scopes ...string) string {
	t.Helper()
	args := []string{"bin/nenc.js", "token", "create", "--file", file, "--name", name}
	for _, scope := range scopes {
		args = append(args, "--scope", scope)
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nenc token create: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestSendsItsTokenAndMapsRefusals(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "tokens.json")
	emitter := createToken(t, root, file, "go-client", "client:go")
	viewer := createToken(t, root, file, "viewer", "read")
	env, err := nenctest.StartServer("--auth-tokens", file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Health stays open, so Dial succeeds without a token; the calls do not.
	t.Setenv("NENC_TOKEN", "")
	anonymous, err := nenc.Dial(ctx, env.URL)
	if err != nil {
		t.Fatalf("dial without a token: %v", err)
	}
	defer anonymous.Close()
	if _, err := anonymous.EmitEvent(ctx, "go.auth", nil); !errors.Is(err, nenc.ErrUnauthenticated) {
		t.Fatalf("emit without a token: want ErrUnauthenticated, got %v", err)
	}

	t.Setenv("NENC_TOKEN", viewer)
	reader, err := nenc.Dial(ctx, env.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	_, err = reader.EmitEvent(ctx, "go.auth", nil)
	if !errors.Is(err, nenc.ErrPermissionDenied) || !strings.Contains(err.Error(), `token "viewer" has read`) {
		t.Fatalf("emit with a read token: want ErrPermissionDenied naming the token, got %v", err)
	}

	client, err := nenc.Dial(ctx, env.URL, nenc.WithToken(emitter))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if id, err := client.EmitEvent(ctx, "go.auth", map[string]any{"ok": true}); err != nil || id == "" {
		t.Fatalf("emit with a client token: %q, %v", id, err)
	}
}
