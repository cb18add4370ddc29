// Command nenc-emit emits one nenc event and prints its id as JSON.
//
//	go run ./cmd/nenc-emit -url http://127.0.0.1:7070 -code user.login -payload '{"userId":"u1"}' [-key K]
//
// On success it prints {"eventId":"evt_..."} on stdout and exits 0. On failure
// it prints the error on stderr and exits 1 (2 for bad flags).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	nenc "github.com/nenc-dev/nenc/sdk/go"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the command with its process parts passed in; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("nenc-emit", flag.ContinueOnError)
	flags.SetOutput(stderr)
	url := flags.String("url", "", "orchestrator URL (default $NENC_URL, else "+nenc.DefaultURL+")")
	eventCode := flags.String("code", "", "event code, e.g. user.login (required)")
	payload := flags.String("payload", "{}", "event payload: a JSON object")
	key := flags.String("key", "", "idempotency key: a repeated emit with the same key returns the first event id")
	timeout := flags.Duration("timeout", 30*time.Second, "give up after this long")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	body, err := checkInput(flags.Args(), *eventCode, *payload)
	if err != nil {
		fmt.Fprintln(stderr, "nenc-emit:", err)
		return 2
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	eventID, err := emit(ctx, *url, *eventCode, body, *key)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	out, _ := json.Marshal(struct {
		EventID string `json:"eventId"`
	}{eventID})
	fmt.Fprintf(stdout, "%s\n", out)
	return 0
}

// checkInput checks the command line before anything is sent and returns the
// payload as a map.
func checkInput(extra []string, eventCode, payload string) (map[string]any, error) {
	if len(extra) > 0 {
		return nil, fmt.Errorf("unexpected argument %q; pass everything as flags", extra[0])
	}
	if eventCode == "" {
		return nil, errors.New("-code is required, e.g. -code user.login")
	}
	decoder := json.NewDecoder(bytes.NewReader([]byte(payload)))
	decoder.UseNumber() // keeps numbers as written
	var body map[string]any
	if err := decoder.Decode(&body); err != nil || decoder.More() || body == nil {
		return nil, fmt.Errorf(`-payload must be one JSON object such as {"k":"v"}, got %q`, payload)
	}
	return body, nil
}

func emit(ctx context.Context, url, eventCode string, payload map[string]any, key string) (string, error) {
	client, err := nenc.Dial(ctx, url)
	if err != nil {
		return "", err
	}
	defer client.Close()
	var opts []nenc.RequestOption
	if key != "" {
		opts = append(opts, nenc.WithIdempotencyKey(key))
	}
	return client.EmitEvent(ctx, eventCode, payload, opts...)
}
