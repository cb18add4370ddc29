package nenc_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	nenc "github.com/nenc-dev/nenc/sdk/go"
	nencv1 "github.com/nenc-dev/nenc/sdk/go/gen/nenc/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestEmitEventStoresThePayload(t *testing.T) {
	client := dial(t)
	type item struct {
		SKU string `json:"sku"`
	}
	payload := map[string]any{
		"orderId": "o-1",
		"qty":     3,
		"price":   2.5,
		"tags":    []string{"new", "gift"},
		"items":   []item{{SKU: "a-1"}},
		"nested":  map[string]any{"paid": true, "coupon": nil},
	}
	id, err := client.EmitEvent(t.Context(), "go.test.stored", payload)
	if err != nil {
		t.Fatalf("EmitEvent: %v", err)
	}
	if !strings.HasPrefix(id, "evt_") {
		t.Fatalf("event id = %q, want an evt_ id", id)
	}
	stored, err := events(t).GetEvent(t.Context(), &nencv1.GetEventRequest{Id: id})
	if err != nil {
		t.Fatalf("GetEvent: %v", err)
	}
	want := map[string]any{
		"orderId": "o-1",
		"qty":     3.0,
		"price":   2.5,
		"tags":    []any{"new", "gift"},
		"items":   []any{map[string]any{"sku": "a-1"}},
		"nested":  map[string]any{"paid": true, "coupon": nil},
	}
	if got := stored.GetEvent().GetPayload().AsMap(); !reflect.DeepEqual(got, want) {
		t.Errorf("stored payload = %#v, want %#v", got, want)
	}
	if got := stored.GetEvent().GetCode(); got != "go.test.stored" {
		t.Errorf("stored code = %q, want go.test.stored", got)
	}
}

func TestEmitEventWithIdempotencyKeyReturnsTheFirstID(t *testing.T) {
	client := dial(t)
	key := unique("emit")
	first, err := client.EmitEvent(t.Context(), "go.test.once", map[string]any{"attempt": 1}, nenc.WithIdempotencyKey(key))
	if err != nil {
		t.Fatalf("EmitEvent: %v", err)
	}
	again, err := client.EmitEvent(t.Context(), "go.test.once", map[string]any{"attempt": 1}, nenc.WithIdempotencyKey(key))
	if err != nil {
		t.Fatalf("EmitEvent again: %v", err)
	}
	if again != first {
		t.Errorf("re-emit with key %q returned %q, want the first id %q", key, again, first)
	}
	// A key names one emission: the same key with another payload is refused, not dropped.
	_, err = client.EmitEvent(t.Context(), "go.test.once", map[string]any{"attempt": 2}, nenc.WithIdempotencyKey(key))
	if !errors.Is(err, nenc.ErrAlreadyExists) {
		t.Errorf("re-emit with key %q and another payload: err = %v, want ErrAlreadyExists", key, err)
	}
	stored, err := events(t).GetEvent(t.Context(), &nencv1.GetEventRequest{Id: first})
	if err != nil {
		t.Fatalf("GetEvent: %v", err)
	}
	if got := stored.GetEvent().GetPayload().AsMap(); !reflect.DeepEqual(got, map[string]any{"attempt": 1.0}) {
		t.Errorf("stored payload = %v, want the first emit's {attempt: 1}", got)
	}

	other, err := client.EmitEvent(t.Context(), "go.test.once", nil)
	if err != nil {
		t.Fatalf("EmitEvent without key: %v", err)
	}
	another, err := client.EmitEvent(t.Context(), "go.test.once", nil)
	if err != nil {
		t.Fatalf("EmitEvent without key: %v", err)
	}
	if other == first || other == another {
		t.Errorf("emits without a key share ids: %q, %q (keyed: %q)", other, another, first)
	}
}

func TestInvokeThenResult(t *testing.T) {
	client := dial(t)
	inv, err := client.Invoke(t.Context(), "double", map[string]any{"n": 21})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	result, err := inv.Result(t.Context())
	if err != nil {
		t.Fatalf("Result: %v", err)
	}
	if result != 42.0 {
		t.Errorf("Result = %#v, want 42.0", result)
	}
	var n int
	if err := inv.ResultInto(t.Context(), &n); err != nil || n != 42 {
		t.Errorf("ResultInto = %d, %v; want 42, nil", n, err)
	}
	if status, err := inv.Status(t.Context()); err != nil || status != nenc.StatusSuccess {
		t.Errorf("Status = %q, %v; want SUCCESS", status, err)
	}

	info, err := inv.Get(t.Context())
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if info.ID != inv.ID || info.TaskID != "double" || info.AppID != "go-sdk-test" ||
		info.Status != nenc.StatusSuccess || info.Result != 42.0 || info.Attempt != 1 ||
		info.Error != nil || info.Provenance != nil || info.WorkerID != "" {
		t.Errorf("Get = %+v", info)
	}
	if !reflect.DeepEqual(info.Arguments, map[string]any{"n": 21.0}) {
		t.Errorf("Arguments = %#v, want {n: 21}", info.Arguments)
	}
	if info.CreatedAt.IsZero() || info.UpdatedAt.Before(info.CreatedAt) {
		t.Errorf("CreatedAt = %v, UpdatedAt = %v", info.CreatedAt, info.UpdatedAt)
	}
}

func TestInvokeWithIdempotencyKeyReturnsTheFirstInvocation(t *testing.T) {
	client := dial(t)
	key := unique("invoke")
	first, err := client.Invoke(t.Context(), "double", map[string]any{"n": 1}, nenc.WithIdempotencyKey(key))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	again, err := client.Invoke(t.Context(), "double", map[string]any{"n": 1}, nenc.WithIdempotencyKey(key))
	if err != nil {
		t.Fatalf("Invoke again: %v", err)
	}
	if again.ID != first.ID {
		t.Errorf("re-invoke with key %q gave %q, want %q", key, again.ID, first.ID)
	}
	if result, err := again.Result(t.Context()); err != nil || result != 2.0 {
		t.Errorf("Result = %v, %v; want the first invocation's 2", result, err)
	}
	// A key names one call: the same key with other arguments is refused.
	_, err = client.Invoke(t.Context(), "double", map[string]any{"n": 2}, nenc.WithIdempotencyKey(key))
	if !errors.Is(err, nenc.ErrAlreadyExists) {
		t.Errorf("re-invoke with key %q and other arguments: err = %v, want ErrAlreadyExists", key, err)
	}
}

func TestFailedTaskReturnsTaskFailedError(t *testing.T) {
	client := dial(t)
	inv, err := client.Invoke(t.Context(), "boom", map[string]any{"reason": "out of stock"})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	_, err = inv.Result(t.Context())
	var failed *nenc.TaskFailedError
	if !errors.As(err, &failed) {
		t.Fatalf("Result error = %#v, want a *TaskFailedError", err)
	}
	if failed.InvocationID != inv.ID || failed.TaskID != "boom" || failed.Type != "OrderRejectedError" ||
		failed.Message != "order rejected: out of stock" {
		t.Errorf("TaskFailedError = %+v", failed)
	}
	if want := []string{"OrderRejectedError", "ValidationError", "Error"}; !slices.Equal(failed.Chain, want) {
		t.Errorf("Chain = %q, want %q", failed.Chain, want)
	}
	if !failed.HasType("ValidationError") || failed.HasType("TypeError") {
		t.Errorf("HasType(ValidationError), HasType(TypeError) = %v, %v; want true, false",
			failed.HasType("ValidationError"), failed.HasType("TypeError"))
	}
	if !strings.Contains(failed.Stack, "order rejected: out of stock") {
		t.Errorf("Stack = %q, want the remote stack", failed.Stack)
	}
	want := "nenc: task boom failed (invocation " + inv.ID + "): OrderRejectedError: order rejected: out of stock"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if errors.Is(err, nenc.ErrNotFound) || errors.Is(err, nenc.ErrInvalidArgument) {
		t.Errorf("a task failure matches an RPC sentinel: %v", err)
	}

	var n int
	if err := inv.ResultInto(t.Context(), &n); !errors.As(err, &failed) {
		t.Errorf("ResultInto error = %v, want a *TaskFailedError", err)
	}
	info, err := inv.Get(t.Context())
	if err != nil || info.Status != nenc.StatusFailed || info.Error == nil || info.Error.Type != "OrderRejectedError" {
		t.Errorf("Get = %+v, %v; want FAILED with the error", info, err)
	}
}

func TestInvokeUnknownTaskIsNotFound(t *testing.T) {
	client := dial(t)
	_, err := client.Invoke(t.Context(), "no_such_task", nil)
	if !errors.Is(err, nenc.ErrNotFound) {
		t.Fatalf("Invoke error = %v, want ErrNotFound", err)
	}
	var rpcErr *nenc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != codes.NotFound {
		t.Fatalf("Invoke error = %#v, want *nenc.Error with code NotFound", err)
	}
	if !strings.HasPrefix(rpcErr.Message, `task "no_such_task" not found`) {
		t.Errorf("Message = %q, want it to name the task", rpcErr.Message)
	}
	if !strings.HasPrefix(err.Error(), `nenc: NOT_FOUND: task "no_such_task" not found`) {
		t.Errorf("Error() = %q", err.Error())
	}
	if status.Code(err) != codes.NotFound {
		t.Errorf("status.Code = %v, want NotFound", status.Code(err))
	}
}

func TestUnknownInvocationIsNotFound(t *testing.T) {
	client := dial(t)
	_, err := client.Invocation("inv_missing").Get(t.Context())
	if !errors.Is(err, nenc.ErrNotFound) || !strings.Contains(err.Error(), `invocation "inv_missing" not found`) {
		t.Errorf("Get error = %v, want ErrNotFound naming the invocation", err)
	}
	_, err = client.Invocation("inv_missing").Result(t.Context())
	if !errors.Is(err, nenc.ErrNotFound) {
		t.Errorf("Result error = %v, want ErrNotFound", err)
	}
}

func TestInvalidInputIsInvalidArgument(t *testing.T) {
	client := dial(t)
	ctx := t.Context()
	cases := []struct {
		name string
		call func() error
		// message is the start of the *nenc.Error's message.
		message string
	}{
		{"empty event code", func() error {
			_, err := client.EmitEvent(ctx, "", nil)
			return err
		}, "code: is required"},
		{"event code with spaces", func() error {
			_, err := client.EmitEvent(ctx, "order placed", nil)
			return err
		}, `code: "order placed" may use letters, digits`},
		{"task id with spaces", func() error {
			_, err := client.Invoke(ctx, "do it", nil)
			return err
		}, `taskId: "do it" may use letters, digits`},
		{"payload value that is not JSON", func() error {
			_, err := client.EmitEvent(ctx, "go.test.bad", map[string]any{"ok": 1, "items": []any{1, make(chan int)}})
			return err
		}, "payload.items[1]: cannot be sent as JSON (json: unsupported type: chan int)"},
		{"argument that is NaN", func() error {
			_, err := client.Invoke(ctx, "double", map[string]any{"n": math.NaN()})
			return err
		}, "arguments.n: cannot be sent as JSON (json: unsupported value: NaN)"},
		{"unknown status filter", func() error {
			_, err := client.ListInvocations(ctx, nenc.InvocationFilter{Status: "DONE"})
			return err
		}, `filter.Status: "DONE" is not a status; use REGISTERED, PENDING, RUNNING, SUCCESS, FAILED or RETRY`},
		{"negative limit", func() error {
			_, err := client.ListInvocations(ctx, nenc.InvocationFilter{Limit: -1})
			return err
		}, "filter.Limit: must be 0 (default 100) or positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			var rpcErr *nenc.Error
			if !errors.Is(err, nenc.ErrInvalidArgument) || !errors.As(err, &rpcErr) {
				t.Fatalf("error = %v, want ErrInvalidArgument", err)
			}
			if rpcErr.Code != codes.InvalidArgument || !strings.HasPrefix(rpcErr.Message, c.message) {
				t.Errorf("error = %q (%v), want a message starting %q", rpcErr.Message, rpcErr.Code, c.message)
			}
		})
	}
}

func TestResultStopsWhenTheContextEnds(t *testing.T) {
	client := dial(t)
	inv, err := client.Invoke(t.Context(), "idle", map[string]any{})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := inv.Result(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Result error = %v, want context.DeadlineExceeded", err)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("Result returned %s after its deadline", elapsed)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := inv.Result(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Result error = %v, want context.Canceled", err)
		}
		if want := "nenc: waiting for invocation " + inv.ID + ": context canceled"; err.Error() != want {
			t.Errorf("Error() = %q, want %q", err.Error(), want)
		}
	})

	// Giving up waiting leaves the invocation alone.
	if status, err := inv.Status(t.Context()); err != nil || status != nenc.StatusRegistered {
		t.Errorf("Status = %q, %v; want REGISTERED", status, err)
	}
}

func TestEventTriggersTypeScriptTask(t *testing.T) {
	client := dial(t)
	orderID := unique("order")
	eventID, err := client.EmitEvent(t.Context(), "go.order.placed",
		map[string]any{"orderId": orderID, "qty": 3, "price": 2.5})
	if err != nil {
		t.Fatalf("EmitEvent: %v", err)
	}

	// The trigger of testdata/worker.ts runs record_order with arguments its
	// provider function builds from the payload.
	var triggered []*nenc.InvocationInfo
	eventually(t, "record_order invoked for the event", func() (bool, error) {
		all, err := client.ListInvocations(t.Context(), nenc.InvocationFilter{TaskID: "record_order", Limit: 1000})
		triggered = slices.DeleteFunc(all, func(info *nenc.InvocationInfo) bool {
			return info.Provenance == nil || !slices.Equal(info.Provenance.EventIDs, []string{eventID})
		})
		return len(triggered) > 0, err
	})
	if len(triggered) != 1 {
		t.Fatalf("the event triggered %d invocations, want 1", len(triggered))
	}
	info := triggered[0]
	if want := map[string]any{"orderId": orderID, "total": 7.5}; !reflect.DeepEqual(info.Arguments, want) {
		t.Errorf("Arguments = %#v, want %#v", info.Arguments, want)
	}
	result, err := client.Invocation(info.ID).Result(t.Context())
	if err != nil {
		t.Fatalf("Result: %v", err)
	}
	if want := map[string]any{"orderId": orderID, "total": 7.5}; !reflect.DeepEqual(result, want) {
		t.Errorf("Result = %#v, want %#v", result, want)
	}

	byTrigger, err := client.ListInvocations(t.Context(), nenc.InvocationFilter{
		TriggerID: info.Provenance.TriggerID, Status: "success", Limit: 1000,
	})
	if err != nil {
		t.Fatalf("ListInvocations by trigger: %v", err)
	}
	if !slices.ContainsFunc(byTrigger, func(i *nenc.InvocationInfo) bool { return i.ID == info.ID }) {
		t.Errorf("ListInvocations(trigger %s, SUCCESS) misses %s", info.Provenance.TriggerID, info.ID)
	}
}

func TestClosedClientIsNotAContextError(t *testing.T) {
	client, err := nenc.Dial(t.Context(), orchestratorURL)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if err := client.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err = client.EmitEvent(t.Context(), "go.test.closed", nil)
	var rpcErr *nenc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != codes.Canceled || errors.Is(err, context.Canceled) {
		t.Errorf("EmitEvent after Close = %#v, want a CANCELED *nenc.Error that is not context.Canceled", err)
	}
}
