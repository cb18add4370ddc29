package nenc_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	nenc "github.com/nenc-dev/nenc/sdk/go"
)

// Invoke a task (here "double", a TypeScript task of the test worker) and wait
// for its result.
func Example() {
	ctx := context.Background()
	client, err := nenc.Dial(ctx, "") // NENC_URL, else http://127.0.0.1:7070
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	inv, err := client.Invoke(ctx, "double", map[string]any{"n": 21})
	if err != nil {
		log.Fatal(err)
	}
	var doubled int
	if err := inv.ResultInto(ctx, &doubled); err != nil {
		log.Fatal(err)
	}
	fmt.Println(doubled)
	// Output: 42
}

// Emit an event; with an idempotency key, a retried emit is a no-op that
// returns the first event's id.
func ExampleClient_EmitEvent() {
	ctx := context.Background()
	client, err := nenc.Dial(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	payload := map[string]any{"userId": "u1", "role": "admin"}
	first, err := client.EmitEvent(ctx, "user.login", payload, nenc.WithIdempotencyKey("example-login-u1"))
	if err != nil {
		log.Fatal(err)
	}
	retried, err := client.EmitEvent(ctx, "user.login", payload, nenc.WithIdempotencyKey("example-login-u1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(retried == first)
	// Output: true
}

// A task that throws gives a *TaskFailedError with the remote error's type
// and class chain; an unknown task gives ErrNotFound.
func ExampleInvocation_Result() {
	ctx := context.Background()
	client, err := nenc.Dial(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	inv, err := client.Invoke(ctx, "boom", map[string]any{"reason": "out of stock"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = inv.Result(ctx)
	var failed *nenc.TaskFailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Type, failed.Chain, failed.Message)
	}

	_, err = client.Invoke(ctx, "no_such_task", nil)
	fmt.Println(errors.Is(err, nenc.ErrNotFound))
	// Output:
	// OrderRejectedError [OrderRejectedError ValidationError Error] order rejected: out of stock
	// true
}
