"""deploy/scale/ (docs/deploy-at-scale.md) against the program it deploys, read statically.

Every arxiv-radar command a service runs exists with the options it passes (asked of the
command's own ``--help``), the image is built with the extras the commands need, every nginx
upstream is a service of the compose file, and the shared configuration loads, with a broker
the workers' service can reach by name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from arxiv_radar.config import load_config

from cli_helpers import invoke_cli

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "deploy" / "scale"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((FOLDER / "compose.yaml").read_text("utf-8"))
    return loaded


def radar_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("arxiv-radar")
    }


def test_every_service_runs_a_real_command_with_real_options(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    services = radar_services(compose)
    assert set(services) == {"worker", "scheduler", "serve"}
    for name, service in services.items():
        command = service["command"]
        helped = invoke_cli(command[0], "--help", cwd=tmp_path, columns=200)
        assert helped.returncode == 0, (name, helped.stderr)
        for option in (part for part in command[1:] if part.startswith("--")):
            assert re.search(rf"{option}\b", helped.stdout), (name, option)
        build = service["build"]
        assert build["context"] == "../.." and (FOLDER / build["context"] / "Dockerfile").exists()
        extras = set(build["args"]["EXTRAS"].split(","))
        assert {"postgres", "workers"} <= extras  # the store, and `arxiv-radar worker`
        assert service["environment"]["ARXIV_RADAR_DB"].startswith("postgresql://")
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    assert services["scheduler"]["command"][-2:] == ["--schedule", "config"]
    assert "published:/data" in services["scheduler"]["volumes"]


def test_the_proxy_sends_to_services_of_the_file(compose: dict[str, Any]) -> None:
    conf = (FOLDER / "nginx.conf").read_text(encoding="utf-8")
    upstreams = re.findall(r"^\s*server (\w+):(\d+)", conf, re.M)
    assert upstreams
    for service, port in upstreams:
        assert service in compose["services"], service
        assert f'"--port", "{port}"'.replace('"', "") in ", ".join(
            compose["services"][service]["command"]
        ).replace('"', "")
    proxy = compose["services"]["proxy"]
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert "client_max_body_size 16k" in conf  # the server's own limit on a body


def test_the_shared_configuration_loads_and_names_the_broker_service(
    compose: dict[str, Any],
) -> None:
    config = load_config(FOLDER / "arxiv-radar.toml", env={})
    assert config.workers.broker == "redis://redis:6379/0"
    assert "redis" in compose["services"]
    assert config.summaries.concurrency >= 1 and "default" in config.profiles
