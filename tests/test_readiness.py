from datetime import UTC, datetime, timedelta

import pytest

from bridgewatch.probes.base import DEGRADED, DOWN, UNAVAILABLE, UP, ProbeResult
from bridgewatch.readiness import Thresholds, assess, thresholds_for

AT = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def r(kind, status, **kw) -> ProbeResult:
    return ProbeResult(1, kind, status, kw.pop("at", AT), **kw)


def icmp(rtt=20.0, jitter=2.0, loss=0.0, status=UP):
    return r(
        "icmp", status, rtt_ms=rtt, rtt_min_ms=rtt, rtt_max_ms=rtt, jitter_ms=jitter, loss_pct=loss
    )


HEALTHY = [
    icmp(),
    r("tcp", UP, port=1720, rtt_ms=1.0),
    r("sip", UP, port=5060, code=200, rtt_ms=3.0, loss_pct=0.0),
]


def test_all_good_is_ready_with_mos():
    verdict = assess(HEALTHY, Thresholds(), at=AT)
    assert verdict.state == "ready" and verdict.reasons == ()
    assert verdict.mos == pytest.approx(4.39, abs=0.02)
    assert verdict.reason_vi == "sẵn sàng"


def test_loss_above_threshold_is_degraded_with_a_reason_in_both_languages():
    verdict = assess([icmp(loss=12.0), *HEALTHY[1:]], Thresholds(max_loss_pct=5), at=AT)
    assert verdict.state == "degraded"
    assert "mất gói 12% — vượt ngưỡng 5%" in verdict.reason_vi
    assert "packet loss 12% — above the 5% threshold" in verdict.reason_en


@pytest.mark.parametrize(
    ("results", "code"),
    [
        ([icmp(rtt=450.0), *HEALTHY[1:]], "rtt"),
        ([icmp(jitter=45.0), *HEALTHY[1:]], "jitter"),
        ([HEALTHY[0], HEALTHY[1], r("sip", DEGRADED, port=5060, code=503)], "sip_503"),
        ([HEALTHY[0], HEALTHY[1], r("sip", UP, port=5060, code=200, rtt_ms=420.0)], "sip_slow"),
        ([*HEALTHY, r("http", DEGRADED, code=500, detail="HTTP 500")], "http"),
        ([*HEALTHY, r("http", UP, code=200, cert_days=3.0)], "cert"),
        ([icmp(status=DOWN, rtt=None, loss=100.0), *HEALTHY[1:]], "icmp_down"),  # ICMP filtered
        ([HEALTHY[0], r("tcp", DOWN, port=1720), r("tcp", UP, port=5060), HEALTHY[2]], "tcp_down"),
    ],
)
def test_degraded_reasons(results, code):
    verdict = assess(results, Thresholds(), at=AT)
    assert verdict.state == "degraded"
    assert code in [reason.code for reason in verdict.reasons]


def test_high_latency_and_loss_lower_mos_below_threshold():
    verdict = assess([icmp(rtt=280.0, jitter=25.0, loss=4.0), *HEALTHY[1:]], Thresholds(), at=AT)
    assert verdict.state == "degraded" and "mos" in [x.code for x in verdict.reasons]
    assert verdict.mos < 3.5


def test_everything_down_is_unreachable():
    results = [
        icmp(status=DOWN, rtt=None, loss=100.0),
        r("tcp", DOWN, port=1720, detail="timeout"),
        r("sip", DOWN, port=5060),
    ]
    verdict = assess(results, Thresholds(), at=AT)
    assert verdict.state == "unreachable"
    assert "không phản hồi ping" in verdict.reason_vi


def test_signalling_down_while_host_answers_is_unreachable():
    verdict = assess(
        [icmp(), r("tcp", UP, port=1720), r("sip", DOWN, port=5060, detail="no answer")],
        Thresholds(),
        at=AT,
    )
    assert verdict.state == "unreachable"
    assert [x.code for x in verdict.reasons] == ["sip_down"]


def test_unavailable_icmp_is_ignored_not_counted_as_down():
    verdict = assess(
        [r("icmp", UNAVAILABLE, detail="needs CAP_NET_RAW"), *HEALTHY[1:]], Thresholds(), at=AT
    )
    assert verdict.state == "ready"


def test_no_results_or_stale_results_are_unknown():
    assert assess([], Thresholds(), at=AT).state == "unknown"
    old = [icmp()]
    assert assess(old, Thresholds(max_age_s=60), at=AT + timedelta(minutes=5)).state == "unknown"
    assert assess([r("icmp", UNAVAILABLE)], Thresholds(), at=AT).state == "unknown"


def test_threshold_overrides_by_tag_then_endpoint():
    defaults = Thresholds(max_loss_pct=5)
    tags = {"4g": {"max_loss_pct": 10, "max_rtt_ms": 500}, "vip": {"max_loss_pct": 1}}
    assert thresholds_for(defaults, tags, ["xa", "4g"], None).max_loss_pct == 10
    assert thresholds_for(defaults, tags, ["4g", "vip"], None).max_loss_pct == 1
    final = thresholds_for(defaults, tags, ["4g"], {"max_loss_pct": 15})
    assert (final.max_loss_pct, final.max_rtt_ms) == (15, 500)
    results = [icmp(loss=8.0), *HEALTHY[1:]]
    assert assess(results, thresholds_for(defaults, tags, ["4g"], None), at=AT).state == "ready"
    assert assess(results, defaults, at=AT).state == "degraded"
