package nenc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	nencv1 "github.com/nenc-dev/nenc/sdk/go/gen/nenc/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// DefaultURL is the orchestrator's address when neither Dial's url nor the
// NENC_URL environment variable gives one.
const DefaultURL = "http://127.0.0.1:7070"

// Client talks to a nenc orchestrator: it emits events, invokes tasks and
// follows invocations. It holds one HTTP/2 connection and is safe for
// concurrent use; create one per process and Close it when done.
type Client struct {
	conn        *grpc.ClientConn
	events      nencv1.EventServiceClient
	invocations nencv1.InvocationServiceClient
	triggers    nencv1.TriggerServiceClient
}

// Option configures [Dial].
type Option func(*dialOptions)

type dialOptions struct {
	grpc  []grpc.DialOption
	token string
}

// WithToken sends token as every call's bearer token, for an orchestrator started
// with --auth-tokens. Without it, Dial uses NENC_TOKEN when set.
func WithToken(token string) Option {
	return func(o *dialOptions) { o.token = token }
}

// WithDialOptions adds grpc-go dial options (interceptors, keepalive, custom
// transport credentials, ...) after the client's own, so they take precedence.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *dialOptions) { o.grpc = append(o.grpc, opts...) }
}

// Dial connects to the orchestrator at url ("http://host:port"; "https://" uses
// TLS: the CA of NENC_TLS_CA, else the system's roots, and the client certificate
// of NENC_TLS_CLIENT_CERT and NENC_TLS_CLIENT_KEY for mTLS). An empty url means
// NENC_URL, else [DefaultURL]. Every call carries the token of [WithToken], else
// NENC_TOKEN when set (for an orchestrator started with --auth-tokens).
//
// Dial checks that the orchestrator answers its health check before returning,
// so a wrong address fails here with [ErrUnavailable] rather than on first use.
func Dial(ctx context.Context, url string, opts ...Option) (*Client, error) {
	if url == "" {
		url = os.Getenv("NENC_URL")
	}
	if url == "" {
		url = DefaultURL
	}
	target, secure, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	o := dialOptions{token: os.Getenv("NENC_TOKEN")}
	for _, opt := range opts {
		opt(&o)
	}
	creds := insecure.NewCredentials()
	if secure {
		config, err := tlsConfigFromEnv()
		if err != nil {
			return nil, err
		}
		creds = credentials.NewTLS(config)
	}
	own := append([]grpc.DialOption{grpc.WithTransportCredentials(creds)}, identify(o.token)...)
	conn, err := grpc.NewClient(target, append(own, o.grpc...)...)
	if err != nil {
		return nil, fmt.Errorf("nenc: dial %s: %w", url, err)
	}
	if err := checkHealth(ctx, conn, url); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return &Client{
		conn:        conn,
		events:      nencv1.NewEventServiceClient(conn),
		invocations: nencv1.NewInvocationServiceClient(conn),
		triggers:    nencv1.NewTriggerServiceClient(conn),
	}, nil
}

// parseURL turns "http://host[:port]" into a gRPC target "host:port".
func parseURL(raw string) (target string, secure bool, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", false, invalid("url", `"`+raw+`" is not an orchestrator address; use http://host:port`)
	}
	secure = u.Scheme == "https"
	port := u.Port()
	switch {
	case port != "":
	case secure:
		port = "443"
	default:
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port), secure, nil
}

func checkHealth(ctx context.Context, conn *grpc.ClientConn, url string) error {
	res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		if ended := contextEnded(ctx, err); ended != nil {
			return fmt.Errorf("nenc: no orchestrator answered at %s: %w", url, ended)
		}
		e := rpcError(err)
		e.Message = "no orchestrator answers at " + url + ": " + e.Message
		return e
	}
	if res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return &Error{Code: codes.Unavailable, Message: "the orchestrator at " + url + " is " + res.GetStatus().String()}
	}
	return nil
}

// PreviewTrigger returns the next count fire times (0: 10; at most 1000) of the
// trigger's cron conditions after after (the zero time: now), soonest first, with
// its daylight-saving policy applied. A trigger without a cron condition has none.
func (c *Client) PreviewTrigger(ctx context.Context, triggerID string, count int, after time.Time) ([]time.Time, error) {
	req := &nencv1.PreviewTriggerRequest{Id: triggerID, Count: int32(min(max(count, 0), 1_000_000))} // past 1000 the orchestrator says so
	if !after.IsZero() {
		req.After = timestamppb.New(after)
	}
	res, err := c.triggers.PreviewTrigger(ctx, req)
	if err != nil {
		return nil, fromRPC(ctx, err)
	}
	times := make([]time.Time, len(res.GetFireTimes()))
	for i, t := range res.GetFireTimes() {
		times[i] = t.AsTime()
	}
	return times, nil
}

// BackfillOutcome says what [Client.BackfillTrigger] did with the slots of its range.
type BackfillOutcome struct {
	// Slots in the range, all cron conditions together.
	Slots int
	// Fired now.
	Fired int
	// Fired before, live or by an earlier backfill.
	Deduplicated int
	// Neither: paused, filtered out, an AND join waiting, deferred or errored.
	Other int
}

// BackfillTrigger fires every past cron slot of the trigger in [from, to]
// exactly once: a slot that already fired (live, or in an earlier backfill) is
// deduplicated. At most 10,000 slots; to must not be in the future.
func (c *Client) BackfillTrigger(ctx context.Context, triggerID string, from, to time.Time) (BackfillOutcome, error) {
	res, err := c.triggers.BackfillTrigger(ctx, &nencv1.BackfillTriggerRequest{
		Id: triggerID, From: timestamppb.New(from), To: timestamppb.New(to),
	})
	if err != nil {
		return BackfillOutcome{}, fromRPC(ctx, err)
	}
	return BackfillOutcome{Slots: int(res.GetSlots()), Fired: int(res.GetFired()),
		Deduplicated: int(res.GetDeduplicated()), Other: int(res.GetOther())}, nil
}

// DryRunTrigger says what the stored trigger would do with one occurrence,
// given as the context its filters and providers see (a status, result,
// exception, event or cron context): whether it would fire, with which
// arguments, each condition's verdict. Nothing fires, nothing is recorded.
func (c *Client) DryRunTrigger(ctx context.Context, triggerID string, occurrence *nencv1.TriggerContext) (*nencv1.DryRunTriggerResponse, error) {
	res, err := c.triggers.DryRunTrigger(ctx, &nencv1.DryRunTriggerRequest{
		Subject: &nencv1.DryRunTriggerRequest_Id{Id: triggerID}, Context: occurrence,
	})
	if err != nil {
		return nil, fromRPC(ctx, err)
	}
	return res, nil
}

// Close closes the connection. Handles obtained from c stop working.
func (c *Client) Close() error {
	return c.conn.Close()
}

// RequestOption tunes one [Client.EmitEvent] or [Client.Invoke] call.
type RequestOption func(*requestOptions)

type requestOptions struct {
	idempotencyKey string
}

func collect(opts []RequestOption) requestOptions {
	var o requestOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithIdempotencyKey makes a repeated call with the same key a no-op that
// returns the first event id (EmitEvent) or the first invocation (Invoke, per
// task). Use it to retry safely after a timeout. At most 200 characters.
func WithIdempotencyKey(key string) RequestOption {
	return func(o *requestOptions) { o.idempotencyKey = key }
}

// EmitEvent stores an event and returns its id once it is durable; the
// triggers on code are evaluated at once. The payload must become a JSON
// object: values go through encoding/json, and a nil payload is {}.
func (c *Client) EmitEvent(ctx context.Context, code string, payload map[string]any, opts ...RequestOption) (string, error) {
	value, err := objectValue(payload, "payload")
	if err != nil {
		return "", err
	}
	res, err := c.events.EmitEvent(ctx, &nencv1.EmitEventRequest{
		Code:           code,
		Payload:        value,
		IdempotencyKey: collect(opts).idempotencyKey,
	})
	if err != nil {
		return "", fromRPC(ctx, err)
	}
	return res.GetEventId(), nil
}

// Invoke queues an invocation of the task taskID (of any app, in any language)
// with the named arguments args, and returns a handle on it. An unknown task
// is [ErrNotFound]: a worker of the app declaring it must have registered.
func (c *Client) Invoke(ctx context.Context, taskID string, args map[string]any, opts ...RequestOption) (*Invocation, error) {
	value, err := objectValue(args, "arguments")
	if err != nil {
		return nil, err
	}
	res, err := c.invocations.Invoke(ctx, &nencv1.InvokeRequest{
		TaskId:         taskID,
		Arguments:      value,
		IdempotencyKey: collect(opts).idempotencyKey,
	})
	if err != nil {
		return nil, fromRPC(ctx, err)
	}
	return c.Invocation(res.GetInvocation().GetId()), nil
}

// Invocation returns a handle on an existing invocation, e.g. one found with
// [Client.ListInvocations]. It makes no request: an unknown id shows up as
// [ErrNotFound] when the handle is used.
func (c *Client) Invocation(id string) *Invocation {
	return &Invocation{ID: id, client: c}
}

// InvocationFilter selects invocations for [Client.ListInvocations]; zero
// fields select everything.
type InvocationFilter struct {
	TaskID string
	// Status is matched case-insensitively; "" is any status.
	Status Status
	// TriggerID selects the invocations this trigger created.
	TriggerID string
	// Limit caps how many are returned; 0 means 100. Above 1000, ListInvocations
	// fetches several pages.
	Limit int
}

// maxPageSize is the largest page the server returns.
const maxPageSize = 1000

// ListInvocations returns the matching invocations, newest first, at most
// filter.Limit of them.
func (c *Client) ListInvocations(ctx context.Context, filter InvocationFilter) ([]*InvocationInfo, error) {
	status, err := filter.Status.toProto("filter.Status")
	if err != nil {
		return nil, err
	}
	limit := filter.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 0 {
		return nil, invalid("filter.Limit", "must be 0 (default 100) or positive")
	}
	var out []*InvocationInfo
	token := ""
	for len(out) < limit {
		res, err := c.invocations.ListInvocations(ctx, &nencv1.ListInvocationsRequest{
			TaskId:    filter.TaskID,
			Status:    status,
			TriggerId: filter.TriggerID,
			PageSize:  int32(min(limit-len(out), maxPageSize)),
			PageToken: token,
		})
		if err != nil {
			return nil, fromRPC(ctx, err)
		}
		for _, p := range res.GetInvocations() {
			if len(out) < limit {
				out = append(out, invocationInfo(p))
			}
		}
		if token = res.GetNextPageToken(); token == "" {
			break
		}
	}
	return out, nil
}

// tlsConfigFromEnv is the TLS of an https:// orchestrator: the CA to trust
// (NENC_TLS_CA; the system's roots when unset) and, for mTLS, the client
// certificate and key (NENC_TLS_CLIENT_CERT, NENC_TLS_CLIENT_KEY), PEM file paths.
func tlsConfigFromEnv() (*tls.Config, error) {
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if path := os.Getenv("NENC_TLS_CA"); path != "" {
		pem, err := os.ReadFile(path)
		if err != nil {
			return nil, invalid("NENC_TLS_CA", "cannot read "+path+": "+err.Error())
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, invalid("NENC_TLS_CA", path+" holds no PEM certificate")
		}
		config.RootCAs = roots
	}
	cert, key := os.Getenv("NENC_TLS_CLIENT_CERT"), os.Getenv("NENC_TLS_CLIENT_KEY")
	if (cert == "") != (key == "") {
		return nil, invalid("NENC_TLS_CLIENT_CERT", "goes with NENC_TLS_CLIENT_KEY: set both (mTLS) or neither")
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, invalid("NENC_TLS_CLIENT_CERT", "cannot load the client certificate and key: "+err.Error())
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return config, nil
}
