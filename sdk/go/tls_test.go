package nenc_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	nenc "github.com/nenc-dev/nenc/sdk/go"
	"github.com/nenc-dev/nenc/sdk/go/internal/nenctest"
)

// makePKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate (EC keys) into dir with openssl.
func makePKI(t *testing.T, dir string) {
	t.Helper()
	ec := []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"}
	openssl := func(args ...string) {
		cmd := exec.Command("openssl", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	openssl(append(append([]string{"req", "-x509"}, ec...), "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test CA")...)
	for name, ext := range map[string]string{"server": "subjectAltName=IP:127.0.0.1\n", "client": "extendedKeyUsage=clientAuth\n"} {
		if err := os.WriteFile(filepath.Join(dir, name+".ext"), []byte(ext), 0o600); err != nil {
			t.Fatal(err)
		}
		openssl(append(append([]string{"req"}, ec...), "-keyout", name+".key", "-out", name+".csr", "-subj", "/CN="+name)...)
		openssl("x509", "-req", "-in", name+".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
			"-days", "2", "-out", name+".pem", "-extfile", name+".ext")
	}
}

func TestDialOverMutualTLS(t *testing.T) {
	dir := t.TempDir()
	makePKI(t, dir)
	path := func(name string) string { return filepath.Join(dir, name) }
	env, err := nenctest.StartServer("--tls-cert", path("server.pem"), "--tls-key", path("server.key"),
		"--tls-client-ca", path("ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Setenv("NENC_TLS_CA", path("ca.pem"))
	if _, err := nenc.Dial(ctx, env.URL); err == nil {
		t.Fatal("a client without a certificate was served by an mTLS orchestrator")
	}
	t.Setenv("NENC_TLS_CLIENT_CERT", path("client.pem"))
	t.Setenv("NENC_TLS_CLIENT_KEY", path("client.key"))
	client, err := nenc.Dial(ctx, env.URL)
	if err != nil {
		t.Fatalf("dial over mTLS: %v", err)
	}
	defer client.Close()
	id, err := client.EmitEvent(ctx, "tls.checked", map[string]any{"ok": true})
	if err != nil || id == "" {
		t.Fatalf("emit over mTLS: %q, %v", id, err)
	}
}
