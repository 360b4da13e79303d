from dataclasses import replace

import pytest


@pytest.fixture
def settings(settings):
    """Short probe timeouts: these tests sweep a point that never answers, several times."""
    return replace(
        settings,
        probes=replace(
            settings.probes, timeout=0.4, sip_retransmit=0.1, icmp_count=2, icmp_interval=0.01
        ),
    )
