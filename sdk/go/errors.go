package nenc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Sentinel errors for the codes callers usually branch on. An [*Error] with the
// matching code unwraps to one of them, so errors.Is(err, nenc.ErrNotFound) works.
var (
	// ErrInvalidArgument: the request was malformed; the message names the field
	// and the fix. Also returned, before any request is sent, for input the client
	// can tell is invalid (a payload value that cannot become JSON, a bad URL).
	ErrInvalidArgument = errors.New("nenc: invalid argument")
	// ErrNotFound: the task, invocation or event does not exist.
	ErrNotFound = errors.New("nenc: not found")
	// ErrUnavailable: the orchestrator cannot be reached or is shutting down.
	ErrUnavailable = errors.New("nenc: unavailable")
	// ErrAlreadyExists: an idempotency key was used before for another call (another
	// event code or payload, other arguments); a key names one call.
	ErrAlreadyExists = errors.New("nenc: already exists")
	// ErrResourceExhausted: a limit of the orchestrator was reached (payload size,
	// JSON depth, a cap on streams); the message names the limit and its setting.
	ErrResourceExhausted = errors.New("nenc: resource exhausted")
	// ErrUnauthenticated: the call carried no token, or one the orchestrator does
	// not know or that expired (see [WithToken], NENC_TOKEN).
	ErrUnauthenticated = errors.New("nenc: unauthenticated")
	// ErrPermissionDenied: the token lacks the scope the call needs; the message
	// names the scope.
	ErrPermissionDenied = errors.New("nenc: permission denied")
)

// Error is an error answered by the orchestrator (or detected by the client
// before sending a request it would refuse). Code is the gRPC code; Message is
// the server's message, which names the offending field and the fix.
//
// Error unwraps to [ErrInvalidArgument], [ErrNotFound], [ErrUnavailable],
// [ErrAlreadyExists], [ErrResourceExhausted], [ErrUnauthenticated] or
// [ErrPermissionDenied] for those codes. When the caller's context ends a request, the error returned is
// not an Error but wraps ctx.Err(), so errors.Is(err, context.Canceled) works.
type Error struct {
	Code    codes.Code
	Message string
}

// Error formats the error as "nenc: NOT_FOUND: <server message>".
func (e *Error) Error() string {
	return fmt.Sprintf("nenc: %s: %s", codeName(e.Code), e.Message)
}

// Unwrap returns the sentinel error of e's code, or nil when there is none.
func (e *Error) Unwrap() error {
	switch e.Code {
	case codes.InvalidArgument:
		return ErrInvalidArgument
	case codes.NotFound:
		return ErrNotFound
	case codes.Unavailable:
		return ErrUnavailable
	case codes.AlreadyExists:
		return ErrAlreadyExists
	case codes.ResourceExhausted:
		return ErrResourceExhausted
	case codes.Unauthenticated:
		return ErrUnauthenticated
	case codes.PermissionDenied:
		return ErrPermissionDenied
	default:
		return nil
	}
}

// GRPCStatus lets status.Code and status.FromError from grpc-go read e.
func (e *Error) GRPCStatus() *status.Status {
	return status.New(e.Code, e.Message)
}

// TaskError is an error raised by a task function, as its worker reported it.
type TaskError struct {
	// Type is the most specific type name: a JS or Python class name.
	Type string
	// Message is the error's own message.
	Message string
	// Chain holds the type names from the most specific to the most general
	// (the JS prototype chain, the Python MRO).
	Chain []string
	// Stack is the remote stack trace, when the worker sent one.
	Stack string
}

// HasType reports whether name is one of the error's type names, the way
// exception triggers match: "Error" matches every JavaScript error.
func (e *TaskError) HasType(name string) bool {
	return slices.Contains(e.Chain, name) || e.Type == name
}

// TaskFailedError is returned by [Invocation.Result] when the task failed for
// good (status FAILED, no retry left). Get it with errors.As:
//
//	var failed *nenc.TaskFailedError
//	if errors.As(err, &failed) && failed.HasType("ValidationError") { ... }
type TaskFailedError struct {
	InvocationID string
	TaskID       string
	TaskError
}

// Error formats the error as "nenc: task T failed (invocation I): Type: message".
func (e *TaskFailedError) Error() string {
	return fmt.Sprintf("nenc: task %s failed (invocation %s): %s: %s",
		e.TaskID, e.InvocationID, e.Type, e.Message)
}

// fromRPC turns an error of a generated stub into an [*Error], or into an
// error wrapping ctx.Err() when the caller's context ended the request.
func fromRPC(ctx context.Context, err error) error {
	if ended := contextEnded(ctx, err); ended != nil {
		return fmt.Errorf("nenc: %w", ended)
	}
	return rpcError(err)
}

// contextEnded returns the context error that ended a failed request, or nil.
// The server gives up at the deadline grpc-go sent it, so its DEADLINE_EXCEEDED
// can arrive a moment before ctx itself expires.
func contextEnded(ctx context.Context, err error) error {
	if ended := ctx.Err(); ended != nil {
		return ended
	}
	if _, ok := ctx.Deadline(); ok && status.Code(err) == codes.DeadlineExceeded {
		return context.DeadlineExceeded
	}
	return nil
}

func rpcError(err error) *Error {
	s := status.Convert(err)
	return &Error{Code: s.Code(), Message: s.Message()}
}

// invalid is an INVALID_ARGUMENT error found before sending, worded like the
// server's: "field: what is wrong".
func invalid(field, problem string) error {
	return &Error{Code: codes.InvalidArgument, Message: field + ": " + problem}
}

// codeName spells a code the way gRPC documents it: InvalidArgument → INVALID_ARGUMENT.
func codeName(code codes.Code) string {
	var b strings.Builder
	previous := rune(0)
	for _, r := range code.String() {
		if unicode.IsUpper(r) && unicode.IsLower(previous) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
		previous = r
	}
	return b.String()
}
