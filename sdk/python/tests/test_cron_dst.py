"""Cron across daylight saving from Python: ``on_cron(..., repeated_hour=, skipped_hour=)``
on the wire, and ``app.trigger.preview`` listing the instants the policy gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nenc import Nenc, TriggerBuilder
from nenc._impl.convert import trigger_to_proto
from nenc.v1 import trigger_pb2


def nightly() -> str:
    return "ran"


def test_the_policies_travel_as_their_enums() -> None:
    spec = TriggerBuilder().on_cron(
        "30 2 * * *", timezone="Europe/Berlin", repeated_hour="twice", skipped_hour="skip"
    )
    cron = trigger_to_proto(spec.build(), "t", "app").conditions[0].cron
    assert (cron.repeated_hour, cron.skipped_hour) == (
        trigger_pb2.REPEATED_HOUR_POLICY_TWICE,
        trigger_pb2.SKIPPED_HOUR_POLICY_SKIP,
    )
    with pytest.raises(ValueError, match="repeated_hour 'thrice' is not one of once, twice"):
        TriggerBuilder().on_cron("30 2 * * *", repeated_hour="thrice")  # type: ignore[arg-type]


def test_preview_lists_the_instants_the_policy_gives(app: Nenc) -> None:
    policy = TriggerBuilder().on_cron("30 2 * * *", timezone="Europe/Berlin", repeated_hour="twice")
    task = app.task(triggers=policy)(nightly)
    app.register()
    [trigger] = app.trigger.list(target_task_id=task.id)
    after = datetime(2026, 10, 24, 12, tzinfo=UTC)
    assert app.trigger.preview(trigger.id, count=3, after=after) == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),
    ]


def test_backfill_fires_each_past_slot_once(app: Nenc) -> None:
    task = app.task(triggers=TriggerBuilder().on_cron("0 0 * * *"))(nightly)
    app.register()
    [trigger] = app.trigger.list(target_task_id=task.id)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)
    assert app.trigger.backfill(trigger.id, from_=start, to=end) == {
        "slots": 3,
        "fired": 3,
        "deduplicated": 0,
        "other": 0,
    }
    assert app.trigger.backfill(trigger.id, from_=start, to=end)["deduplicated"] == 3
    assert len(app.list_invocations(task_id=task.id)) == 3


def is_big(payload: dict[str, Any]) -> bool:
    return bool(payload.get("amount", 0) >= 1000)


def test_dry_run_says_what_would_happen_and_fires_nothing(app: Nenc) -> None:
    audit = app.task(
        triggers=TriggerBuilder().on_event("paid", payload_filter=is_big).with_arguments({"big": True})
    )(nightly)
    with app.start_worker():
        [trigger] = app.trigger.list(target_task_id=audit.id)
        big = app.trigger.dry_run(
            trigger.id, context={"event": {"eventCode": "paid", "payload": {"amount": 5000}}}
        )
        assert big == {
            "would_fire": True,
            "arguments": {"big": True},
            "conditions": [{"index": 0, "verdict": "match", "detail": ""}],
            "detail": f"would fire {audit.id}",
        }
        small = app.trigger.dry_run(
            trigger.id, context={"event": {"eventCode": "paid", "payload": {"amount": 1}}}
        )
        assert (small["would_fire"], small["conditions"][0]["verdict"]) == (False, "filtered")
        assert app.list_invocations(task_id=audit.id) == []


def test_dry_run_recent_replays_the_last_stored_events(app: Nenc) -> None:
    audit = app.task(triggers=TriggerBuilder().on_event("refund", payload_filter=is_big))(nightly)
    with app.start_worker():
        [trigger] = app.trigger.list(target_task_id=audit.id)
        app.trigger.emit_event("refund", {"amount": 1})
        app.trigger.emit_event("refund", {"amount": 5000})
        replays = app.trigger.dry_run(trigger.id, recent=5)
        assert [replay["would_fire"] for replay in replays] == [True, False]
