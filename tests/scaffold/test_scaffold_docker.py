"""The Dockerfile and compose.yaml, read statically (and built when a Docker daemon answers).

The old tool's image ran Flask with debug=True on 0.0.0.0 as root. This one must run the
feed server as an unprivileged user, with a health check, the store in a volume, and no
debug or reload switch anywhere.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
import warnings
from pathlib import Path

import pytest
import typer
import yaml

from arxiv_radar.cli import app

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    assert not pending, "a continuation line runs off the end of the Dockerfile"
    parsed = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        parsed.append((keyword.upper(), rest.strip()))
    return parsed


def last(name: str) -> str:
    found = [rest for keyword, rest in instructions() if keyword == name]
    assert found, f"no {name} in the Dockerfile"
    return found[-1]


def final_stage() -> list[tuple[str, str]]:
    parsed = instructions()
    start = max(index for index, (keyword, _) in enumerate(parsed) if keyword == "FROM")
    return parsed[start:]


def test_based_on_python_3_11_slim() -> None:
    parsed = instructions()
    arguments = dict(
        rest.split("=", 1) for keyword, rest in parsed if keyword == "ARG" and "=" in rest
    )
    bases = [rest.split()[0] for keyword, rest in parsed if keyword == "FROM"]
    resolved = [re.sub(r"\$\{(\w+)\}", lambda m: arguments[m.group(1)], base) for base in bases]
    assert resolved and all(base == "python:3.11-slim" for base in resolved), resolved
    assert len(bases) == 2, "a build stage and a runtime stage"


def test_runs_as_an_unprivileged_user() -> None:
    stage = final_stage()
    users = [rest for keyword, rest in stage if keyword == "USER"]
    assert users, "the runtime stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    keywords = [keyword for keyword, _ in stage]
    assert keywords.index("USER") < keywords.index("CMD")
    created = " ".join(rest for keyword, rest in stage if keyword == "RUN")
    assert f"useradd --system --uid 10001 --gid {user}" in created


def test_health_check_hits_health_on_the_served_port() -> None:
    check = last("HEALTHCHECK")
    assert check.split()[-1].endswith("]") and "CMD" in check
    assert "http://127.0.0.1:8000/health" in check
    assert last("EXPOSE") == "8000"
    command = json.loads(last("CMD"))
    assert command[command.index("--port") + 1] == "8000"


def test_no_debug_or_reload_switch() -> None:
    text = " ".join(f"{keyword} {rest}" for keyword, rest in instructions()).lower()
    for switch in ("--reload", "--debug", "debug=true", "flask_debug", "pythondevmode", "-x dev"):
        assert switch not in text, switch
    assert "access-log" not in text


def test_default_command_serves_with_the_schedule() -> None:
    entrypoint = json.loads(last("ENTRYPOINT"))
    command = json.loads(last("CMD"))
    assert entrypoint == ["arxiv-radar"]
    assert command[0] == "serve"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert "--schedule" in command
    # The real `serve` command accepts these arguments (parsed, not run). Typer warns about
    # the flag_value that makes a bare --schedule mean "config": not this test's business.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The 'is_flag' and 'flag_value'", DeprecationWarning)
        serve = typer.main.get_command(app).commands["serve"]  # type: ignore[attr-defined]
    context = serve.make_context("serve", command[1:])
    assert context.params["host"] == "0.0.0.0" and context.params["port"] == 8000
    assert context.params["schedule"] == "config"


def test_the_store_lives_in_a_volume() -> None:
    stage = final_stage()
    volumes = [rest for keyword, rest in stage if keyword == "VOLUME"]
    assert volumes and "/data" in json.loads(volumes[-1])
    assert [rest for keyword, rest in stage if keyword == "WORKDIR"][-1] == "/data"
    assert "chown radar:radar /data" in " ".join(
        rest for keyword, rest in stage if keyword == "RUN"
    )


def test_compose_serves_the_image_with_a_data_volume() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["arxiv-radar"]
    assert service["build"] == "."
    assert "arxiv-radar-data:/data" in service["volumes"]
    assert "arxiv-radar-data" in compose["volumes"]
    assert any(port.endswith(":8000") for port in service["ports"])
    assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert not service.get("privileged")
    assert "command" not in service  # the image's own: serve with the schedule


def test_the_build_context_is_only_what_the_image_needs() -> None:
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert allowed == {"pyproject.toml", "README.md", "LICENSE", "arxiv-radar.example.toml", "src"}
    copied = " ".join(rest for keyword, rest in instructions() if keyword == "COPY")
    for name in allowed:
        assert name in copied, name


def _docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:
        return False
    return probe.returncode == 0


@pytest.mark.skipif(not _docker_works(), reason="no Docker daemon answers here")
def test_the_image_builds_and_runs_as_radar() -> None:
    tag = f"arxiv-radar-test:{uuid.uuid4().hex[:12]}"
    try:
        build = subprocess.run(
            ["docker", "build", "-t", tag, str(ROOT)],
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
        assert build.returncode == 0, build.stderr[-3000:]
        inspect = subprocess.run(
            ["docker", "image", "inspect", tag, "--format", "{{json .Config}}"],
            capture_output=True,
            text=True,
            check=True,
        )
        config = json.loads(inspect.stdout)
        assert config["User"] == "radar:radar" and "/data" in config["Volumes"]
        assert config["Healthcheck"]["Test"][0] == "CMD"
        version = subprocess.run(
            ["docker", "run", "--rm", tag, "--version"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert version.returncode == 0 and version.stdout.startswith("arxiv-radar ")
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, check=False)
