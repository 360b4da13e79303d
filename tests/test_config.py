from pathlib import Path

import pytest

from bridgewatch.config import load_settings
from bridgewatch.errors import ValidationError


def test_defaults():
    settings = load_settings(environ={})
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8080)
    assert settings.database.url == ""
    assert settings.data_dir == Path(".bridgewatch")
    assert settings.timezone == "Asia/Ho_Chi_Minh"


def test_file_then_environment_then_overrides(tmp_path):
    path = tmp_path / "bw.toml"
    path.write_text(
        'data_dir = "/srv/bw"\n[server]\nport = 9000\nhost = "0.0.0.0"\n'
        '[database]\nurl = "postgresql://file/db"\n'
    )
    from_file = load_settings(path, environ={})
    assert from_file.server.port == 9000 and from_file.database.url == "postgresql://file/db"

    env = {"BRIDGEWATCH_SERVER_PORT": "9100", "BRIDGEWATCH_DATABASE_URL": "postgresql://env/db"}
    from_env = load_settings(path, environ=env)
    assert from_env.server.port == 9100
    assert from_env.server.host == "0.0.0.0"
    assert from_env.database.url == "postgresql://env/db"

    overridden = load_settings(path, environ=env, overrides={"server.port": 9200, "data_dir": "x"})
    assert overridden.server.port == 9200 and overridden.data_dir == Path("x")


@pytest.mark.parametrize(
    ("text", "env", "field"),
    [
        ("[server]\nport = 'eighty'\n", {}, "server.port"),
        ("[server]\nport = 70000\n", {}, "server.port"),
        ("[server]\nportt = 80\n", {}, "server.portt"),
        ("colour = 'red'\n", {}, "colour"),
        ("", {"BRIDGEWATCH_SERVER_PORT": "x"}, "server.port"),
        ("", {"BRIDGEWATCH_TIMEZONE": "Mars/Olympus"}, "timezone"),
        ("[database]\npool_max_size = 0\n", {}, "database.pool_max_size"),
        ("not toml [", {}, "config"),
    ],
)
def test_bad_settings_name_the_key(tmp_path, text, env, field):
    path = tmp_path / "bw.toml"
    path.write_text(text)
    with pytest.raises(ValidationError) as info:
        load_settings(path, environ=env)
    assert info.value.field == field


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValidationError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_example_config_loads_and_matches_defaults():
    example = Path(__file__).parent.parent / "config" / "bridgewatch.example.toml"
    assert load_settings(example, environ={}) == load_settings(environ={})


def test_readiness_tag_overrides_and_probe_lists(tmp_path):
    path = tmp_path / "bw.toml"
    path.write_text(
        "[probes]\nsip_healthy_codes = [200, 404]\n[readiness.tags.4g]\nmax_loss_pct = 10\n"
    )
    settings = load_settings(path, environ={})
    assert settings.probes.sip_healthy_codes == (200, 404)
    assert settings.readiness.tags == {"4g": {"max_loss_pct": 10}}
    env = load_settings(environ={"BRIDGEWATCH_PROBES_SIP_HEALTHY_CODES": "200,484"})
    assert env.probes.sip_healthy_codes == (200, 484)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[readiness.tags.4g]\nmax_loss = 10\n", "readiness.tags.4g.max_loss"),
        ("[readiness.tags.4g]\nmax_loss_pct = 'lots'\n", "readiness.tags.4g.max_loss_pct"),
        ("[probes]\nconcurrency = 0\n", "probes.concurrency"),
        ("[probes]\ntimeout = -1\n", "probes.timeout"),
        ("[results]\nbuffer_rows = 10\n", "results.buffer_rows"),
    ],
)
def test_bad_probe_and_readiness_settings(tmp_path, text, field):
    path = tmp_path / "bw.toml"
    path.write_text(text)
    with pytest.raises(ValidationError) as info:
        load_settings(path, environ={})
    assert info.value.field == field
