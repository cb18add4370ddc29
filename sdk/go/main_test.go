package nenc_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	nenc "github.com/nenc-dev/nenc/sdk/go"
	nencv1 "github.com/nenc-dev/nenc/sdk/go/gen/nenc/v1"
	"github.com/nenc-dev/nenc/sdk/go/internal/nenctest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// orchestratorURL is the address of the orchestrator TestMain starts. It runs
// the worker of testdata/worker.ts (app "go-sdk-test": tasks double, boom and
// record_order) and knows app "go-sdk-idle", whose task "idle" no worker runs:
// its invocations stay REGISTERED.
var orchestratorURL string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	env, err := nenctest.Start("sdk/go/testdata/worker.ts")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	orchestratorURL = env.URL
	// The examples dial "" and so read NENC_URL, as a user's program would.
	if err := os.Setenv("NENC_URL", env.URL); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := registerIdleApp(env.URL); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// stubConn is a plain grpc-go connection for the generated stubs, to set up
// and check what the SDK does not wrap.
func stubConn(url string) (*grpc.ClientConn, error) {
	return grpc.NewClient(strings.TrimPrefix(url, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// registerIdleApp declares task "idle" through the generated stubs (the Go SDK
// has no workers, so it does not wrap AppService).
func registerIdleApp(url string) error {
	conn, err := stubConn(url)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = nencv1.NewAppServiceClient(conn).RegisterApp(ctx, &nencv1.RegisterAppRequest{
		AppId: "go-sdk-idle",
		Tasks: []*nencv1.TaskDefinition{{Id: "idle"}},
	})
	return err
}

// dial connects to the test orchestrator; the client is closed with the test.
func dial(t *testing.T) *nenc.Client {
	t.Helper()
	client, err := nenc.Dial(t.Context(), orchestratorURL)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// events is an EventService stub for checking what the orchestrator stored.
func events(t *testing.T) nencv1.EventServiceClient {
	t.Helper()
	conn, err := stubConn(orchestratorURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return nencv1.NewEventServiceClient(conn)
}

// unique returns prefix with a suffix no other call returns, so tests hold
// with -count=N against the one orchestrator of the test binary.
func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), uniqueCounter.Add(1))
}

var uniqueCounter atomic.Int64

// eventually calls check every 20 ms until it returns true or 10 s pass.
func eventually(t *testing.T, what string, check func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := check()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
