"""Estimated network MOS: the E-model (ITU-T G.107) as monitoring tools simplify it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QualityEstimate:
    r_factor: float
    mos: float

    @property
    def band(self) -> str:
        """G.107's user-satisfaction band for the R-factor."""
        r = self.r_factor
        if r >= 90:
            return "very satisfied"
        if r >= 80:
            return "satisfied"
        if r >= 70:
            return "some dissatisfied"
        if r >= 60:
            return "many dissatisfied"
        if r >= 50:
            return "nearly all dissatisfied"
        return "not recommended"


def r_factor(latency_ms: float, jitter_ms: float, loss_pct: float) -> float:
    """R from latency, jitter and loss: EL = latency + 2*jitter + 10; loss costs 2.5 per percent.

    Using a round-trip time as `latency` (all a probe has) makes the estimate conservative.
    """
    effective = latency_ms + 2 * jitter_ms + 10
    if effective < 160:
        r = 93.2 - effective / 40
    else:
        r = 93.2 - (effective - 120) / 10
    return r - 2.5 * loss_pct


def mos_from_r(r: float) -> float:
    """The G.107 mapping from R to MOS (1.0-4.5)."""
    if r < 0:
        return 1.0
    if r > 100:
        return 4.5
    return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)


def estimate(latency_ms: float, jitter_ms: float, loss_pct: float) -> QualityEstimate:
    """The "estimated network MOS" for narrowband voice over this path."""
    r = r_factor(latency_ms, jitter_ms, loss_pct)
    return QualityEstimate(r_factor=round(r, 2), mos=round(mos_from_r(r), 2))
