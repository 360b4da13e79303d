import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bridgewatch.config import SessionsSettings
from bridgewatch.sessions import store
from bridgewatch.sessions.schedule import SessionScheduler, due_slot, planned
from tests.sessions.conftest import T0, Clock, make_session

DEFAULTS = SessionsSettings()


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


async def test_due_slots_follow_offsets_then_live_ticks(conn, points):
    _, made = points
    session = await make_session(conn, made)
    assert due_slot(session, T0 - minutes(61), DEFAULTS) is None
    assert due_slot(session, T0 - minutes(59), DEFAULTS) == "T-60"
    assert due_slot(session, T0 - minutes(25), DEFAULTS) == "T-30"
    assert due_slot(session, T0 - minutes(1), DEFAULTS) == "T-10"
    assert due_slot(session, T0 + timedelta(seconds=65), DEFAULTS) == "live+60s"
    assert due_slot(session, T0 + minutes(90), DEFAULTS) is None
    assert [label for label, _ in planned(session, T0 - minutes(45), DEFAULTS)] == [
        "T-30",
        "T-10",
        "live+0s",
    ]
    cancelled = replace(session, cancelled_at=T0 - minutes(70))
    assert due_slot(cancelled, T0 - minutes(30), DEFAULTS) is None


async def test_offsets_fire_reschedule_moves_them_cancel_removes_them(
    conn, pool, monitor, points, fast_settings
):
    _, made = points
    clock = Clock(T0 - minutes(90))
    session = await make_session(conn, made)
    scheduler = SessionScheduler(pool, monitor, fast_settings.sessions, clock=clock)
    scheduler.scheduler.start(paused=True)  # the test's clock, not the wall clock, decides
    try:
        await scheduler.sync()
        await scheduler.settle()
        jobs = scheduler.jobs()
        prefix = f"session:{session.id}:"
        assert {j for j in jobs if j.startswith(prefix)} == {
            prefix + s for s in ("T-60", "T-30", "T-10", "live")
        }
        assert await store.claimed_slots(conn, session.id) == []  # nothing due 90 minutes ahead

        for moment, slot in ((T0 - minutes(59), "T-60"), (T0 - minutes(29), "T-30"), (T0 - minutes(9), "T-10"),
                             (T0 + timedelta(seconds=31), "live+30s")):  # fmt: skip
            clock.now = moment
            report = await scheduler.run_due(await store.get_session(conn, session.id), moment)
            assert report is not None and report.stats.targets == 4, slot
        slots = [r["slot"] for r in await store.claimed_slots(conn, session.id)]
        assert slots == ["T-60", "T-30", "T-10", "live+30s"]
        await monitor.writer.flushed()
        kept = await conn.fetch(
            "SELECT slot, ready FROM sweep WHERE session_id = $1 ORDER BY started_at", session.id
        )
        assert [(r["slot"], r["ready"]) for r in kept] == [
            (s, 4) for s in slots
        ]  # "ready at T-10" is kept

        # Reschedule one hour later: the wake-ups move with it.
        clock.now = T0 - minutes(120)
        await store.update_session(
            conn, session.id, starts_at=T0 + minutes(60), ends_at=T0 + minutes(150)
        )
        await scheduler.sync(session.id)
        moved = scheduler.jobs()
        assert moved[prefix + "T-30"] == T0 + minutes(30)
        assert moved[prefix + "T-10"] == T0 + minutes(50)

        await store.cancel_session(conn, session.id)
        await scheduler.sync(session.id)
        assert not [j for j in scheduler.jobs() if j.startswith(prefix)]
    finally:
        await scheduler.stop()


async def test_session_created_inside_the_window_is_swept_at_once(
    conn, pool, monitor, points, fast_settings
):
    _, made = points
    clock = Clock(T0 - minutes(45))
    session = await make_session(conn, made)
    scheduler = SessionScheduler(pool, monitor, fast_settings.sessions, clock=clock)
    scheduler.scheduler.start(paused=True)
    try:
        await scheduler.sync(session.id)
        await scheduler.settle()
    finally:
        await scheduler.stop()
    assert [r["slot"] for r in await store.claimed_slots(conn, session.id)] == ["T-60"]


async def test_restart_in_the_middle_of_a_session_resumes_its_sweeps(
    conn, pool, monitor, points, fast_settings
):
    _, made = points
    now = datetime.now(UTC)
    session = await make_session(conn, made, starts_at=now - minutes(2), minutes=30)
    # A first instance ran the early sweeps, then stopped.
    await store.claim_slot(conn, session.id, "live+0s", "old-instance")
    restarted = SessionScheduler(pool, monitor, fast_settings.sessions)
    started = asyncio.get_running_loop().time()
    await restarted.start()
    try:
        await restarted.settle()
    finally:
        await restarted.stop()
    assert asyncio.get_running_loop().time() - started < 10
    slots = [r["slot"] for r in await store.claimed_slots(conn, session.id)]
    assert slots[0] == "live+0s" and slots[1] in ("live+90s", "live+120s")


async def test_two_instances_run_each_sweep_once(conn, pool, monitor, points, fast_settings):
    _, made = points
    session = await make_session(conn, made)
    first = SessionScheduler(pool, monitor, replace(fast_settings.sessions, instance="a"))
    second = SessionScheduler(pool, monitor, replace(fast_settings.sessions, instance="b"))
    moment = T0 - minutes(9)
    results = await asyncio.gather(
        *(s.run_due(session, moment) for s in (first, second, first, second))
    )
    assert sum(r is not None for r in results) == 1
    await monitor.writer.flushed()
    assert await conn.fetchval("SELECT count(*) FROM sweep WHERE session_id = $1", session.id) == 1


async def test_wall_clock_wake_ups_fire(conn, pool, monitor, points, fast_settings):
    _, made = points
    settings = replace(fast_settings.sessions, pre_check_offsets_s=(2,), live_interval_s=1)
    start = datetime.now(UTC) + timedelta(seconds=3)
    session = await make_session(conn, made, starts_at=start, minutes=1)
    scheduler = SessionScheduler(pool, monitor, settings)
    await scheduler.start()
    try:
        await asyncio.sleep(5.5)
        await scheduler.settle()
    finally:
        await scheduler.stop()
    slots = [r["slot"] for r in await store.claimed_slots(conn, session.id)]
    assert slots[0] == "T-2s"
    assert "live+0s" in slots and "live+1s" in slots
