package nenc_test

import (
	"slices"
	"sync"
	"testing"

	nenc "github.com/nenc-dev/nenc/sdk/go"
)

func TestListInvocationsFiltersNewestFirst(t *testing.T) {
	client := dial(t)
	var ids []string
	for range 3 {
		inv, err := client.Invoke(t.Context(), "idle", nil)
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		ids = append(ids, inv.ID)
	}
	listed, err := client.ListInvocations(t.Context(), nenc.InvocationFilter{TaskID: "idle", Status: "registered", Limit: 3})
	if err != nil {
		t.Fatalf("ListInvocations: %v", err)
	}
	slices.Reverse(ids)
	if got := idsOf(listed); !slices.Equal(got, ids) {
		t.Errorf("ListInvocations(idle, REGISTERED, 3) = %q, want the three newest %q", got, ids)
	}
	for _, info := range listed {
		if info.TaskID != "idle" || info.Status != nenc.StatusRegistered || info.AppID != "go-sdk-idle" {
			t.Errorf("listed %+v, want an idle REGISTERED invocation of go-sdk-idle", info)
		}
	}

	none, err := client.ListInvocations(t.Context(), nenc.InvocationFilter{TaskID: "idle", Status: nenc.StatusSuccess})
	if err != nil || len(none) != 0 {
		t.Errorf("ListInvocations(idle, SUCCESS) = %d invocations, %v; want none", len(none), err)
	}
}

func TestListInvocationsPagesPastTheServerLimit(t *testing.T) {
	client := dial(t)
	// More than one server page (1000) of idle invocations, created 8 at a time.
	var wg sync.WaitGroup
	errs := make(chan error, 1002)
	jobs := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for range jobs {
				if _, err := client.Invoke(t.Context(), "idle", nil); err != nil {
					errs <- err
				}
			}
		})
	}
	for range 1002 {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Invoke: %v", err)
	}

	firstPage, err := client.ListInvocations(t.Context(), nenc.InvocationFilter{TaskID: "idle", Limit: 1000})
	if err != nil {
		t.Fatalf("ListInvocations(1000): %v", err)
	}
	listed, err := client.ListInvocations(t.Context(), nenc.InvocationFilter{TaskID: "idle", Limit: 1001})
	if err != nil {
		t.Fatalf("ListInvocations(1001): %v", err)
	}
	if len(firstPage) != 1000 || len(listed) != 1001 {
		t.Fatalf("listed %d and %d invocations, want 1000 and 1001", len(firstPage), len(listed))
	}
	ids := idsOf(listed)
	if !slices.Equal(ids[:1000], idsOf(firstPage)) {
		t.Errorf("the first 1000 of Limit 1001 differ from Limit 1000")
	}
	if slices.Contains(ids[:1000], ids[1000]) {
		t.Errorf("the second page repeats %s from the first", ids[1000])
	}
}

func idsOf(infos []*nenc.InvocationInfo) []string {
	ids := make([]string, len(infos))
	for i, info := range infos {
		ids[i] = info.ID
	}
	return ids
}
