package nenc

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		url, target string
		secure      bool
	}{
		{"http://127.0.0.1:7070", "127.0.0.1:7070", false},
		{"http://127.0.0.1:7070/", "127.0.0.1:7070", false},
		{"http://localhost", "localhost:80", false},
		{"https://nenc.example.com", "nenc.example.com:443", true},
		{"http://[::1]:7070", "[::1]:7070", false},
	}
	for _, c := range cases {
		target, secure, err := parseURL(c.url)
		if err != nil || target != c.target || secure != c.secure {
			t.Errorf("parseURL(%q) = %q, %v, %v; want %q, %v", c.url, target, secure, err, c.target, c.secure)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:7070", "ftp://host:1", "http://", "http://host:1/nenc", "http://u:p@host:1", "http://host:1?x=1"} {
		_, _, err := parseURL(bad)
		want := `nenc: INVALID_ARGUMENT: url: "` + bad + `" is not an orchestrator address; use http://host:port`
		if !errors.Is(err, ErrInvalidArgument) || err.Error() != want {
			t.Errorf("parseURL(%q) error = %v, want %q", bad, err, want)
		}
	}
}

func TestDialWithoutAnOrchestratorIsUnavailable(t *testing.T) {
	_, err := Dial(t.Context(), "http://127.0.0.1:1")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Dial error = %v, want ErrUnavailable", err)
	}
	const prefix = "nenc: UNAVAILABLE: no orchestrator answers at http://127.0.0.1:1: "
	if got := err.Error(); len(got) <= len(prefix) || got[:len(prefix)] != prefix {
		t.Errorf("Error() = %q, want it to start %q", got, prefix)
	}
}

func TestDialReadsNENC_URL(t *testing.T) {
	t.Setenv("NENC_URL", "ftp://from-env")
	_, err := Dial(t.Context(), "")
	if err == nil || err.Error() != `nenc: INVALID_ARGUMENT: url: "ftp://from-env" is not an orchestrator address; use http://host:port` {
		t.Errorf("Dial(\"\") with NENC_URL=ftp://from-env: error = %v, want the env URL refused", err)
	}
}

func TestFromRPCMapsCodes(t *testing.T) {
	cases := []struct {
		code     codes.Code
		sentinel error
		name     string
	}{
		{codes.InvalidArgument, ErrInvalidArgument, "INVALID_ARGUMENT"},
		{codes.NotFound, ErrNotFound, "NOT_FOUND"},
		{codes.Unavailable, ErrUnavailable, "UNAVAILABLE"},
		{codes.Canceled, nil, "CANCELED"},
		{codes.DeadlineExceeded, nil, "DEADLINE_EXCEEDED"},
		{codes.ResourceExhausted, ErrResourceExhausted, "RESOURCE_EXHAUSTED"},
		{codes.AlreadyExists, ErrAlreadyExists, "ALREADY_EXISTS"},
		{codes.Internal, nil, "INTERNAL"},
	}
	for _, c := range cases {
		err := fromRPC(t.Context(), status.Error(c.code, "the message"))
		var rpcErr *Error
		if !errors.As(err, &rpcErr) || rpcErr.Code != c.code || rpcErr.Message != "the message" {
			t.Errorf("fromRPC(%v) = %#v", c.code, err)
			continue
		}
		if errors.Unwrap(err) != c.sentinel {
			t.Errorf("fromRPC(%v) unwraps to %v, want %v", c.code, errors.Unwrap(err), c.sentinel)
		}
		if want := "nenc: " + c.name + ": the message"; err.Error() != want {
			t.Errorf("Error() = %q, want %q", err.Error(), want)
		}
		if status.Code(err) != c.code {
			t.Errorf("status.Code(fromRPC(%v)) = %v", c.code, status.Code(err))
		}
	}
	if err := fromRPC(t.Context(), io.EOF); err.Error() != "nenc: UNKNOWN: EOF" {
		t.Errorf("fromRPC(io.EOF) = %v, want an UNKNOWN *Error", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := fromRPC(ctx, status.Error(codes.Canceled, "context canceled"))
	if !errors.Is(err, context.Canceled) || err.Error() != "nenc: context canceled" {
		t.Errorf("fromRPC after cancel = %v, want it to wrap context.Canceled", err)
	}
	// The server's DEADLINE_EXCEEDED may come a moment before ctx expires.
	ctx, cancel = context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	err = fromRPC(ctx, status.Error(codes.DeadlineExceeded, "deadline exceeded"))
	if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "nenc: context deadline exceeded" {
		t.Errorf("fromRPC(DEADLINE_EXCEEDED) with a deadline = %v, want it to wrap context.DeadlineExceeded", err)
	}
}

func TestObjectValue(t *testing.T) {
	empty, err := objectValue(nil, "payload")
	if err != nil || len(empty.GetStructValue().GetFields()) != 0 || empty.GetStructValue() == nil {
		t.Errorf("objectValue(nil) = %v, %v; want {}", empty, err)
	}
	_, err = objectValue(map[string]any{"a": map[string]any{"b": []any{"ok", func() {}}}}, "arguments")
	want := "nenc: INVALID_ARGUMENT: arguments.a.b[1]: cannot be sent as JSON (json: unsupported type: func())"
	if err == nil || err.Error() != want {
		t.Errorf("objectValue(func) error = %v, want %q", err, want)
	}
}
