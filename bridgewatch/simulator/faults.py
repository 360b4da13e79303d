"""Fault profiles and how they are spread over simulated points."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from bridgewatch.errors import ValidationError

FAULTS = {
    "down": "nothing listens: TCP refused, SIP silent, web page refused",
    "flapping": "alternates between up and down every few seconds",
    "slow": "SIP and web answers delayed (default 400 ms)",
    "lossy": "drops a share of SIP/UDP requests (default 40%)",
    "sip-503": "SIP answers 503 Service Unavailable",
    "sip-404": "SIP answers 404 Not Found (alive, but routes nothing)",
    "http-500": "the web status page answers 500",
    "no-sip": "SIP signalling is off while TCP listeners stay up",
}


@dataclass(frozen=True)
class FaultShare:
    fault: str
    count: int | None = None
    percent: float | None = None

    def how_many(self, total: int) -> int:
        if self.count is not None:
            return self.count
        return round(total * (self.percent or 0) / 100)


def parse_faults(spec: str) -> list[FaultShare]:
    """ "down=5%,slow=10,sip-503=2%": a share (percent) or a count of points per fault."""
    shares = []
    for item in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, amount = item.partition("=")
        name = name.strip().lower()
        if name not in FAULTS:
            raise ValidationError("faults", f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        if not sep or not re.fullmatch(r"\d+(\.\d+)?%?", amount.strip()):
            raise ValidationError(
                "faults", f"fault {name!r} needs a count or a percentage, e.g. {name}=5%"
            )
        amount = amount.strip()
        if amount.endswith("%"):
            percent = float(amount[:-1])
            if percent > 100:
                raise ValidationError("faults", f"fault {name!r}: more than 100%")
            shares.append(FaultShare(name, percent=percent))
        else:
            shares.append(FaultShare(name, count=int(float(amount))))
    return shares


def assign_faults(total: int, shares: list[FaultShare], *, seed: int = 2021) -> list[str | None]:
    """Which fault each of `total` points has (None: healthy); the same seed gives the same mix."""
    wanted = sum(s.how_many(total) for s in shares)
    if wanted > total:
        raise ValidationError("faults", f"the faults ask for {wanted} points but there are {total}")
    order = list(range(total))
    random.Random(seed).shuffle(order)
    faults: list[str | None] = [None] * total
    position = 0
    for share in shares:
        for _ in range(share.how_many(total)):
            faults[order[position]] = share.fault
            position += 1
    return faults
