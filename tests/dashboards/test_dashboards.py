"""The dashboards are valid for current Grafana and are what build.py writes."""

import json
import runpy
from pathlib import Path

import pytest

DASHBOARDS = Path(__file__).parent.parent.parent / "dashboards"
FILES = sorted(DASHBOARDS.glob("*.json"))


def test_there_are_four_dashboards():
    assert [f.name for f in FILES] == [
        "live-session.json",
        "point-history.json",
        "readiness-overview.json",
        "service-health.json",
    ]


def test_json_files_are_what_build_py_writes():
    boards = runpy.run_path(str(DASHBOARDS / "build.py"))["BOARDS"]
    for name, build in boards.items():
        assert json.loads((DASHBOARDS / name).read_text(encoding="utf-8")) == build(), (
            f"run dashboards/build.py ({name})"
        )


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_dashboard_is_valid_for_current_grafana(path):
    board = json.loads(path.read_text(encoding="utf-8"))
    assert (
        board["schemaVersion"] >= 36 and board["uid"].startswith("bridgewatch-") and board["title"]
    )
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    names = [v["name"] for v in board["templating"]["list"]]
    assert {"datasource", "session", "unit"} <= set(names)
    assert (
        next(v for v in board["templating"]["list"] if v["name"] == "datasource")["query"]
        == "prometheus"
    )
    for panel in board["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}" and target["expr"]
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24
    starts = [a for a in board["annotations"]["list"] if "start" in a["name"].lower()]
    assert starts and "bridgewatch_session_start_timestamp_seconds" in starts[0]["expr"]
