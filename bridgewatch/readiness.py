"""Readiness: a pure function from an endpoint's recent probe results and thresholds to a verdict.

ready: every check within its threshold. degraded: reachable, but something a delegate would
notice (loss, delay, jitter, low MOS, SIP 503, web page errors, a certificate about to expire).
unreachable: the point cannot take a call (nothing answers, or its signalling does not).
unknown: no usable result (never probed, results too old, or every probe unavailable here).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bridgewatch.probes.base import DEGRADED, DOWN, UNAVAILABLE, UP, ProbeResult
from bridgewatch.quality import estimate

READY, DEGRADED_STATE, UNREACHABLE, UNKNOWN = "ready", "degraded", "unreachable", "unknown"
STATES = (READY, DEGRADED_STATE, UNREACHABLE, UNKNOWN)


@dataclass(frozen=True)
class Thresholds:
    """Limits beyond which a point is degraded; defaults in config, overridable by tag or endpoint."""

    max_loss_pct: float = 5.0
    max_rtt_ms: float = 300.0
    max_jitter_ms: float = 30.0
    min_mos: float = 3.5
    min_cert_days: float = 14.0
    # Results older than this are not evidence of anything.
    max_age_s: float = 300.0

    def merged(self, overrides: Mapping[str, object]) -> Thresholds:
        return dataclasses.replace(self, **{k: float(v) for k, v in overrides.items()})  # type: ignore[arg-type]


THRESHOLD_FIELDS = tuple(f.name for f in dataclasses.fields(Thresholds))


@dataclass(frozen=True)
class Reason:
    """Why a point is not ready, for a technician: a stable code and the words in vi and en."""

    code: str
    vi: str
    en: str

    def to_json(self) -> dict:
        return {"code": self.code, "vi": self.vi, "en": self.en}


@dataclass(frozen=True)
class Readiness:
    state: str
    reasons: tuple[Reason, ...] = ()
    mos: float | None = None

    @property
    def reason_vi(self) -> str:
        return "; ".join(r.vi for r in self.reasons) or "sẵn sàng"

    @property
    def reason_en(self) -> str:
        return "; ".join(r.en for r in self.reasons) or "ready"

    def to_json(self) -> dict:
        return {
            "state": self.state,
            "reason": {"vi": self.reason_vi, "en": self.reason_en},
            "reasons": [r.to_json() for r in self.reasons],
            "mos": self.mos,
        }


def _num(value: float) -> str:
    return f"{value:g}"


def _vi_num(value: float) -> str:
    return f"{value:g}".replace(".", ",")


_VI_DETAILS = (
    (re.compile(r"^no answer to OPTIONS after (\d+) sends$"), r"không trả lời sau \1 lần gửi"),
    (re.compile(r"^no reply to (\d+) pings$"), r"không phản hồi \1 gói ping"),
    (re.compile(r"^connection refused$"), "bị từ chối kết nối"),
    (re.compile(r"^timeout$"), "hết thời gian chờ"),
    (re.compile(r"^no answer$"), "không trả lời"),
    (re.compile(r"^host name does not resolve$"), "không phân giải được tên máy"),
)


def _vi(detail: str) -> str:
    """A probe's few words, in Vietnamese where we know them."""
    for pattern, words in _VI_DETAILS:
        if pattern.match(detail):
            return pattern.sub(words, detail)
    return detail


def _failure(result: ProbeResult) -> Reason:
    where = f" {result.port}" if result.port else ""
    detail = result.detail or "no answer"
    vi = _vi(detail)
    if result.kind == "icmp":
        return Reason("icmp_down", f"không phản hồi ping ({vi})", f"no reply to ping ({detail})")
    if result.kind == "tcp":
        return Reason(
            "tcp_down",
            f"cổng TCP{where} không kết nối được ({vi})",
            f"TCP port{where} unreachable ({detail})",
        )
    if result.kind == "sip":
        return Reason(
            "sip_down",
            f"SIP{where} không trả lời OPTIONS ({vi})",
            f"SIP{where} does not answer OPTIONS ({detail})",
        )
    return Reason(
        f"{result.kind}_down",
        f"{result.kind.upper()} lỗi ({vi})",
        f"{result.kind.upper()} failed ({detail})",
    )


def assess(results: Iterable[ProbeResult], thresholds: Thresholds, *, at: datetime) -> Readiness:
    """The readiness of one endpoint from its latest result per (kind, port)."""
    oldest = at - timedelta(seconds=thresholds.max_age_s)
    fresh = [r for r in results if r.at >= oldest and r.status != UNAVAILABLE]
    if not fresh:
        return Readiness(
            UNKNOWN, (Reason("no_data", "chưa có kết quả kiểm tra mới", "no recent check results"),)
        )

    by_kind: dict[str, list[ProbeResult]] = {}
    for r in fresh:
        by_kind.setdefault(r.kind, []).append(r)

    fatal: list[Reason] = []
    if not any(r.status in (UP, DEGRADED) for r in fresh):
        fatal.extend(_failure(r) for r in fresh)
    else:
        # Reachable, but the call cannot be set up: signalling down.
        sip = by_kind.get("sip", [])
        if sip and all(r.status == DOWN for r in sip):
            fatal.extend(_failure(r) for r in sip)
        tcp = by_kind.get("tcp", [])
        if tcp and all(r.status == DOWN for r in tcp):
            fatal.extend(_failure(r) for r in tcp)

    degraded: list[Reason] = []
    mos = None
    for r in by_kind.get("icmp", []):
        if r.status != UP or r.rtt_ms is None:
            continue
        quality = estimate(r.rtt_ms, r.jitter_ms or 0.0, r.loss_pct or 0.0)
        mos = quality.mos
        if (r.loss_pct or 0) > thresholds.max_loss_pct:
            degraded.append(Reason("loss", f"mất gói {_vi_num(r.loss_pct)}% — vượt ngưỡng {_vi_num(thresholds.max_loss_pct)}%",
                                   f"packet loss {_num(r.loss_pct)}% — above the {_num(thresholds.max_loss_pct)}% threshold"))  # fmt: skip
        if r.rtt_ms > thresholds.max_rtt_ms:
            degraded.append(Reason("rtt", f"độ trễ {_vi_num(round(r.rtt_ms))} ms — vượt ngưỡng {_vi_num(thresholds.max_rtt_ms)} ms",
                                   f"round trip {_num(round(r.rtt_ms))} ms — above the {_num(thresholds.max_rtt_ms)} ms threshold"))  # fmt: skip
        if (r.jitter_ms or 0) > thresholds.max_jitter_ms:
            degraded.append(Reason("jitter", f"jitter {_vi_num(round(r.jitter_ms))} ms — vượt ngưỡng {_vi_num(thresholds.max_jitter_ms)} ms",
                                   f"jitter {_num(round(r.jitter_ms))} ms — above the {_num(thresholds.max_jitter_ms)} ms threshold"))  # fmt: skip
        if quality.mos < thresholds.min_mos:
            degraded.append(Reason("mos", f"MOS ước tính {_vi_num(quality.mos)} — dưới ngưỡng {_vi_num(thresholds.min_mos)}",
                                   f"estimated MOS {_num(quality.mos)} — below {_num(thresholds.min_mos)}"))  # fmt: skip
    for r in fresh:
        if r.kind == "icmp" and r.status == DOWN and not fatal:
            degraded.append(
                Reason(
                    "icmp_down",
                    "không phản hồi ping (có thể bị chặn)",
                    "no reply to ping (ICMP may be filtered)",
                )
            )
        elif (
            r.kind == "sip"
            and r.status == UP
            and r.rtt_ms is not None
            and r.rtt_ms > thresholds.max_rtt_ms
        ):
            degraded.append(Reason("sip_slow", f"SIP trả lời chậm: {_vi_num(round(r.rtt_ms))} ms — vượt ngưỡng {_vi_num(thresholds.max_rtt_ms)} ms",
                                   f"SIP answers slowly: {_num(round(r.rtt_ms))} ms — above the {_num(thresholds.max_rtt_ms)} ms threshold"))  # fmt: skip
        elif r.kind == "sip" and r.status == UP and (r.loss_pct or 0) > thresholds.max_loss_pct:
            degraded.append(Reason("sip_loss", f"SIP phải gửi lại mới có trả lời (mất {_vi_num(r.loss_pct)}% yêu cầu)",
                                   f"SIP answered only after retransmission ({_num(r.loss_pct)}% of requests lost)"))  # fmt: skip
        elif r.kind == "sip" and r.status == DEGRADED:
            degraded.append(Reason("sip_503", f"SIP trả lời {r.code}: thiết bị quá tải hoặc đang bảo trì",
                                   f"SIP answered {r.code}: overloaded or in maintenance"))  # fmt: skip
        elif r.kind == "tcp" and r.status == DOWN and not fatal:
            degraded.append(_failure(r))
        elif r.kind == "http" and r.status in (DOWN, DEGRADED) and not fatal:
            degraded.append(
                Reason(
                    "http",
                    f"trang quản trị thiết bị lỗi ({_vi(r.detail)})",
                    f"device web page failing ({r.detail})",
                )
            )
        if r.kind == "http" and r.cert_days is not None and r.cert_days < thresholds.min_cert_days:
            degraded.append(Reason("cert", f"chứng chỉ TLS còn {_vi_num(round(r.cert_days))} ngày",
                                   f"TLS certificate expires in {_num(round(r.cert_days))} days"))  # fmt: skip
    if fatal:
        return Readiness(UNREACHABLE, tuple(fatal), mos)
    if degraded:
        return Readiness(DEGRADED_STATE, tuple(degraded), mos)
    return Readiness(READY, (), mos)


def thresholds_for(
    defaults: Thresholds,
    tag_overrides: Mapping[str, Mapping[str, object]],
    tags: Iterable[str],
    endpoint_overrides: Mapping[str, object] | None,
) -> Thresholds:
    """Defaults, then each of the endpoint's tags that has overrides (in tag order), then its own."""
    result = defaults
    for tag in tags:
        if tag in tag_overrides:
            result = result.merged(tag_overrides[tag])
    if endpoint_overrides:
        result = result.merged(endpoint_overrides)
    return result
