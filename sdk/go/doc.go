// Package nenc is the Go client of nenc, a distributed task orchestrator with a
// declarative trigger system. It emits events, invokes tasks (written in any
// language, run by the workers of their app) and waits for their results.
//
// Connect once per process with [Dial], then use the [Client]:
//
//	client, err := nenc.Dial(ctx, "") // NENC_URL, else http://127.0.0.1:7070
//	if err != nil { ... }
//	defer client.Close()
//
//	eventID, err := client.EmitEvent(ctx, "user.login", map[string]any{"userId": "u1"},
//		nenc.WithIdempotencyKey("login-u1-42"))
//
//	inv, err := client.Invoke(ctx, "process_order", map[string]any{"orderId": "o1", "amount": 10})
//	result, err := inv.Result(ctx) // waits; a failed task is a *nenc.TaskFailedError
//
// Errors answered by the orchestrator are [*Error] values carrying the gRPC
// code and the server's message (which names the field and the fix); test them
// with errors.Is against [ErrInvalidArgument], [ErrNotFound] and
// [ErrUnavailable]. JSON values travel as google.protobuf.Value, so numbers
// arrive as float64: use [Invocation.ResultInto] to decode into Go types.
//
// The generated stubs live in github.com/nenc-dev/nenc/sdk/go/gen/nenc/v1 for
// the RPCs this package does not wrap (triggers, event replay, ...).
package nenc
