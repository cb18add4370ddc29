package nenc

import (
	"context"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

func TestEveryCallNamesTheProtocolAndTheSDK(t *testing.T) {
	var mu sync.Mutex
	var seen [][2]string
	capture := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		mu.Lock()
		seen = append(seen, [2]string{first(md.Get("nenc-protocol")), first(md.Get("nenc-sdk"))})
		mu.Unlock()
		return handler(ctx, req)
	}
	server := grpc.NewServer(grpc.UnaryInterceptor(capture))
	healthpb.RegisterHealthServer(server, health.NewServer())
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = server.Serve(listener) }()
	defer server.Stop()

	client, err := Dial(t.Context(), "http://"+listener.Addr().String())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer func() { _ = client.Close() }()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != [2]string{"1", "go/0.1.0"} {
		t.Errorf("headers of the calls = %v, want [[1 go/0.1.0]]", seen)
	}
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}
