package nenc

import (
	"context"
	"fmt"
	"strings"
	"time"

	nencv1 "github.com/nenc-dev/nenc/sdk/go/gen/nenc/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Status is the lifecycle state of an invocation, spelled as on the wire and in
// every SDK ("SUCCESS", "FAILED", ...).
type Status string

// The statuses of an invocation. SUCCESS and FAILED are final.
const (
	StatusRegistered Status = "REGISTERED" // stored and queued, waiting for a worker
	StatusPending    Status = "PENDING"    // assigned to a worker, not yet started
	StatusRunning    Status = "RUNNING"    // the task function is running
	StatusSuccess    Status = "SUCCESS"    // finished with a result
	StatusFailed     Status = "FAILED"     // finished with an error and no retry left
	StatusRetry      Status = "RETRY"      // an attempt failed; queued again after a backoff
)

// Final reports whether no further status follows s (SUCCESS or FAILED).
func (s Status) Final() bool {
	return s == StatusSuccess || s == StatusFailed
}

// toProto reads s case-insensitively; "" means any status.
func (s Status) toProto(field string) (nencv1.InvocationStatus, error) {
	if s == "" {
		return nencv1.InvocationStatus_INVOCATION_STATUS_UNSPECIFIED, nil
	}
	value, ok := nencv1.InvocationStatus_value[strings.ToUpper(string(s))]
	if !ok || value == 0 {
		return 0, invalid(field, fmt.Sprintf(
			"%q is not a status; use REGISTERED, PENDING, RUNNING, SUCCESS, FAILED or RETRY", string(s)))
	}
	return nencv1.InvocationStatus(value), nil
}

// InvocationInfo is a snapshot of an invocation, as [Invocation.Get] and
// [Client.ListInvocations] return it. JSON values are decoded as encoding/json
// decodes into an interface: numbers are float64.
type InvocationInfo struct {
	ID     string
	TaskID string
	AppID  string
	Status Status
	// Arguments are the named arguments the task function receives.
	Arguments map[string]any
	// Result is set when Status is SUCCESS.
	Result any
	// Error is set when Status is FAILED, or RETRY (the failed attempt's error).
	Error *TaskError
	// Attempt is 1 for the first attempt, incremented by each retry.
	Attempt int
	// Provenance is set when a trigger created the invocation.
	Provenance *Provenance
	// WorkerID is the worker holding the invocation while PENDING or RUNNING.
	WorkerID  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Provenance tells why a trigger created an invocation.
type Provenance struct {
	TriggerID string
	// OccurrenceIDs are the occurrences that made the trigger fire: one for a
	// single-condition or OR trigger, one per condition for an AND trigger.
	OccurrenceIDs []string
	// SourceInvocationIDs are the invocations whose status changes took part.
	SourceInvocationIDs []string
	// EventIDs are the events that took part.
	EventIDs []string
}

func invocationInfo(p *nencv1.Invocation) *InvocationInfo {
	info := &InvocationInfo{
		ID:        p.GetId(),
		TaskID:    p.GetTaskId(),
		AppID:     p.GetAppId(),
		Status:    Status(p.GetStatus().String()),
		Arguments: p.GetArguments().AsMap(),
		Result:    plainValue(p.GetResult()),
		Error:     taskError(p.GetError()),
		Attempt:   int(p.GetAttempt()),
		WorkerID:  p.GetWorkerId(),
		CreatedAt: timeOf(p.GetCreatedAt()),
		UpdatedAt: timeOf(p.GetUpdatedAt()),
	}
	if pv := p.GetProvenance(); pv != nil {
		info.Provenance = &Provenance{
			TriggerID:           pv.GetTriggerId(),
			OccurrenceIDs:       pv.GetOccurrenceIds(),
			SourceInvocationIDs: pv.GetSourceInvocationIds(),
			EventIDs:            pv.GetEventIds(),
		}
	}
	return info
}

func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

// awaitSliceMs bounds one AwaitInvocation request; Result asks again until the
// invocation is final or its context ends. The server accepts up to 300000.
const awaitSliceMs = 60_000

// Invocation is a handle on one invocation of a task, returned by
// [Client.Invoke] and [Client.Invocation]. It is cheap and safe for concurrent use.
type Invocation struct {
	// ID is the invocation id, e.g. "inv_...".
	ID     string
	client *Client
}

// Get fetches a snapshot of the invocation.
func (inv *Invocation) Get(ctx context.Context) (*InvocationInfo, error) {
	res, err := inv.client.invocations.GetInvocation(ctx, &nencv1.GetInvocationRequest{Id: inv.ID})
	if err != nil {
		return nil, fromRPC(ctx, err)
	}
	return invocationInfo(res.GetInvocation()), nil
}

// Status fetches the invocation's current status.
func (inv *Invocation) Status(ctx context.Context) (Status, error) {
	info, err := inv.Get(ctx)
	if err != nil {
		return "", err
	}
	return info.Status, nil
}

// Result waits until the invocation is final and returns its result, decoded
// as encoding/json decodes into an interface (numbers are float64). The
// orchestrator answers when the invocation finishes, so Result does not poll.
//
// A task that failed returns a [*TaskFailedError]. When ctx ends first, the
// error wraps ctx.Err(), so errors.Is(err, context.DeadlineExceeded) works; the
// invocation itself goes on.
func (inv *Invocation) Result(ctx context.Context) (any, error) {
	final, err := inv.wait(ctx)
	if err != nil {
		return nil, err
	}
	return plainValue(final.GetResult()), nil
}

// ResultInto waits like [Invocation.Result] and decodes the result into dst,
// as json.Unmarshal would: pass a pointer to a struct, a map, an int, ...
func (inv *Invocation) ResultInto(ctx context.Context, dst any) error {
	final, err := inv.wait(ctx)
	if err != nil {
		return err
	}
	if err := decodeValue(final.GetResult(), dst); err != nil {
		return fmt.Errorf("nenc: decoding the result of invocation %s: %w", inv.ID, err)
	}
	return nil
}

// wait asks the orchestrator, one bounded wait after another, until the
// invocation is final or ctx ends. It returns the invocation when it
// succeeded, a *TaskFailedError when it failed.
func (inv *Invocation) wait(ctx context.Context) (*nencv1.Invocation, error) {
	for {
		res, err := inv.client.invocations.AwaitInvocation(ctx,
			&nencv1.AwaitInvocationRequest{Id: inv.ID, TimeoutMs: awaitSliceMs})
		if err != nil {
			if ended := contextEnded(ctx, err); ended != nil {
				return nil, fmt.Errorf("nenc: waiting for invocation %s: %w", inv.ID, ended)
			}
			return nil, rpcError(err)
		}
		if !res.GetDone() {
			continue
		}
		final := res.GetInvocation()
		if final.GetStatus() != nencv1.InvocationStatus_FAILED {
			return final, nil
		}
		failed := &TaskFailedError{InvocationID: final.GetId(), TaskID: final.GetTaskId()}
		if e := taskError(final.GetError()); e != nil {
			failed.TaskError = *e
		} else {
			failed.TaskError = TaskError{Type: "Error", Message: "failed without an error report", Chain: []string{"Error"}}
		}
		return nil, failed
	}
}

func taskError(e *nencv1.TaskError) *TaskError {
	if e == nil {
		return nil
	}
	return &TaskError{Type: e.GetType(), Message: e.GetMessage(), Chain: e.GetChain(), Stack: e.GetStack()}
}
