package nenc

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// SDKName is this SDK and its version, as it names itself to the orchestrator.
const SDKName = "go/0.1.0"

// ProtocolVersion is the wire protocol this SDK speaks. Every call carries it; an
// orchestrator of another protocol refuses the call with FAILED_PRECONDITION
// naming both versions.
const ProtocolVersion = "1"

// identify adds the protocol and SDK headers to every call, and the bearer token
// when there is one.
func identify(token string) []grpc.DialOption {
	headers := []string{"nenc-protocol", ProtocolVersion, "nenc-sdk", SDKName}
	if token != "" {
		headers = append(headers, "authorization", "Bearer "+token)
	}
	named := func(ctx context.Context) context.Context {
		return metadata.AppendToOutgoingContext(ctx, headers...)
	}
	unary := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(named(ctx), method, req, reply, cc, opts...)
	}
	stream := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
		streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(named(ctx), desc, cc, method, opts...)
	}
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(unary), grpc.WithChainStreamInterceptor(stream)}
}
