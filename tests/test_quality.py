import pytest

from bridgewatch.quality import estimate, mos_from_r, r_factor


@pytest.mark.parametrize(
    ("latency", "jitter", "loss", "r", "mos"),
    [
        # EL = 20 + 2*5 + 10 = 40 < 160: R = 93.2 - 40/40 = 92.2
        (20, 5, 0, 92.2, 4.39),
        # EL = 100 + 20 + 10 = 130: R = 93.2 - 3.25 = 89.95, minus 2.5*2 = 84.95
        (100, 10, 2, 84.95, 4.20),
        # EL = 300 + 60 + 10 = 370 >= 160: R = 93.2 - 25 = 68.2, minus 2.5*5 = 55.7
        (300, 30, 5, 55.7, 2.88),
        # EL exactly 160 takes the second branch: R = 93.2 - 4 = 89.2
        (150, 0, 0, 89.2, 4.32),
        # EL = 20: R = 92.7, minus 2.5*50 = -32.3: MOS floors at 1
        (10, 0, 50, -32.3, 1.0),
    ],
)
def test_e_model_worked_values(latency, jitter, loss, r, mos):
    assert r_factor(latency, jitter, loss) == pytest.approx(r, abs=0.01)
    assert estimate(latency, jitter, loss).mos == pytest.approx(mos, abs=0.01)


def test_mos_mapping_bounds_and_known_points():
    assert mos_from_r(-5) == 1.0
    assert mos_from_r(120) == 4.5
    # R = 93.2 is the textbook best case for G.711: MOS about 4.41
    assert mos_from_r(93.2) == pytest.approx(4.41, abs=0.01)
    # R = 50: 1 + 1.75 + 7e-6*50*(-10)*50 = 2.575
    assert mos_from_r(50) == pytest.approx(2.575, abs=0.001)


def test_band_names_follow_g107():
    assert estimate(20, 5, 0).band == "very satisfied"
    assert estimate(100, 10, 2).band == "satisfied"
    assert estimate(300, 30, 5).band == "nearly all dissatisfied"
