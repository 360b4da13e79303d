import pytest

from bridgewatch.errors import ValidationError
from bridgewatch.simulator.faults import assign_faults, parse_faults
from bridgewatch.simulator.protocols import sip_response
from bridgewatch.simulator.server import SimulatedPoint, loopback_addresses


def test_fault_mix_by_count_and_percent_is_deterministic():
    shares = parse_faults("down=10%, slow=3, sip-503=5%")
    faults = assign_faults(100, shares, seed=1)
    assert faults.count("down") == 10 and faults.count("slow") == 3 and faults.count("sip-503") == 5
    assert assign_faults(100, shares, seed=1) == faults
    assert assign_faults(100, shares, seed=2) != faults


@pytest.mark.parametrize("spec", ["explode=1", "down", "down=x", "down=150%"])
def test_bad_fault_specs_name_the_field(spec):
    with pytest.raises(ValidationError) as info:
        parse_faults(spec)
    assert info.value.field == "faults"


def test_simulated_points_stay_on_loopback():
    hosts = list(loopback_addresses(600))
    assert len(set(hosts)) == 600
    assert all(h.startswith("127.") and not h.endswith((".0", ".255")) for h in hosts)
    with pytest.raises(ValidationError):
        SimulatedPoint("10.0.0.1")


def test_sip_response_echoes_dialog_headers():
    request = (
        b"OPTIONS sip:127.0.0.9:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:4000;branch=z9hG4bKx\r\n"
        b"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: xyz\r\nCSeq: 7 OPTIONS\r\n\r\n"
    )
    response = sip_response(request, 404).decode()
    assert response.startswith("SIP/2.0 404 Not Found\r\n")
    assert (
        "Call-ID: xyz" in response
        and "CSeq: 7 OPTIONS" in response
        and "branch=z9hG4bKx" in response
    )
    assert ";tag=" in response.split("To:")[1].split("\r\n")[0]
    assert sip_response(b"GET / HTTP/1.1\r\n\r\n", 200) is None
