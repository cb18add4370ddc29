package nenc_test

import (
	"context"
	"testing"
	"time"

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
