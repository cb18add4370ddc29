package nenc_test

import (
	"context"
	"testing"
	"time"

	nenc "github.com/nenc-dev/nenc/sdk/go"
	nencv1 "github.com/nenc-dev/nenc/sdk/go/gen/nenc/v1"
)

// A cron trigger in Berlin with repeated hours run twice: PreviewTrigger lists
// both 02:30s of the night the clock goes back.
func TestPreviewTriggerAppliesTheDSTPolicy(t *testing.T) {
	conn, err := stubConn(orchestratorURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cron := &nencv1.CronCondition{Expression: "30 2 * * *", Timezone: "Europe/Berlin",
		RepeatedHour: nencv1.RepeatedHourPolicy_REPEATED_HOUR_POLICY_TWICE}
	task := unique("nightly")
	app := unique("go-dst")
	res, err := nencv1.NewAppServiceClient(conn).RegisterApp(ctx, &nencv1.RegisterAppRequest{
		AppId: app,
		Tasks: []*nencv1.TaskDefinition{{Id: task}},
		Triggers: []*nencv1.Trigger{{TargetTaskId: task,
			Conditions: []*nencv1.Condition{{Kind: &nencv1.Condition_Cron{Cron: cron}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	after := time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC)
	times, err := dial(t).PreviewTrigger(ctx, res.GetTriggerIds()[0], 3, after)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{
		time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC),
		time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC),
		time.Date(2026, 10, 26, 1, 30, 0, 0, time.UTC),
	}
	if len(times) != len(want) {
		t.Fatalf("PreviewTrigger: %v, want %v", times, want)
	}
	for i := range want {
		if !times[i].Equal(want[i]) {
			t.Fatalf("PreviewTrigger: %v, want %v", times, want)
		}
	}
}

// BackfillTrigger fires each past slot once, and deduplicates them the second time.
func TestBackfillTriggerFiresEachPastSlotOnce(t *testing.T) {
	conn, err := stubConn(orchestratorURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	task := unique("daily")
	res, err := nencv1.NewAppServiceClient(conn).RegisterApp(ctx, &nencv1.RegisterAppRequest{
		AppId: unique("go-backfill"),
		Tasks: []*nencv1.TaskDefinition{{Id: task}},
		Triggers: []*nencv1.Trigger{{TargetTaskId: task, Conditions: []*nencv1.Condition{
			{Kind: &nencv1.Condition_Cron{Cron: &nencv1.CronCondition{Expression: "0 0 * * *"}}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	client := dial(t)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	first, err := client.BackfillTrigger(ctx, res.GetTriggerIds()[0], from, to)
	if err != nil || first != (nenc.BackfillOutcome{Slots: 3, Fired: 3}) {
		t.Fatalf("first backfill: %+v, %v", first, err)
	}
	again, err := client.BackfillTrigger(ctx, res.GetTriggerIds()[0], from, to)
	if err != nil || again != (nenc.BackfillOutcome{Slots: 3, Deduplicated: 3}) {
		t.Fatalf("second backfill: %+v, %v", again, err)
	}
}

// DryRunTrigger answers whether an event would fire a stored trigger, firing nothing.
func TestDryRunTriggerFiresNothing(t *testing.T) {
	conn, err := stubConn(orchestratorURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	task, code := unique("audited"), unique("paid")
	res, err := nencv1.NewAppServiceClient(conn).RegisterApp(ctx, &nencv1.RegisterAppRequest{
		AppId: unique("go-dry"),
		Tasks: []*nencv1.TaskDefinition{{Id: task}},
		Triggers: []*nencv1.Trigger{{TargetTaskId: task, Conditions: []*nencv1.Condition{
			{Kind: &nencv1.Condition_Event{Event: &nencv1.EventCondition{Code: code}}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	client := dial(t)
	event := func(c string) *nencv1.TriggerContext {
		return &nencv1.TriggerContext{Kind: &nencv1.TriggerContext_Event{Event: &nencv1.EventContext{EventCode: c}}}
	}
	fires, err := client.DryRunTrigger(ctx, res.GetTriggerIds()[0], event(code))
	if err != nil || !fires.GetWouldFire() || fires.GetDetail() != "would fire "+task {
		t.Fatalf("dry run of %s: %v, %v", code, fires, err)
	}
	other, err := client.DryRunTrigger(ctx, res.GetTriggerIds()[0], event("something.else"))
	if err != nil || other.GetWouldFire() || other.GetConditions()[0].GetVerdict() != nencv1.ConditionVerdict_CONDITION_VERDICT_UNRELATED {
		t.Fatalf("dry run of another code: %v, %v", other, err)
	}
}
