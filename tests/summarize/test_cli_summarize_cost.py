"""What `arxiv-radar summarize` says a run cost: an extractive run is free, a model with no
price has an unknown cost. The ``folder`` fixture (a fetched store) is in ``conftest.py``."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import invoke_cli
from openai_server import OpenAIServer, Reply


def totals(folder: Path) -> str:
    result = invoke_cli("summarize", "--top", "2", cwd=folder, env={})
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.split())


def test_an_extractive_run_is_free(folder: Path) -> None:
    (folder / "arxiv-radar.toml").write_text('[summaries]\nprovider = "extractive"\n')
    line = totals(folder)
    assert "cost 0 (extractive, free)" in line
    assert "unknown" not in line


def test_a_model_without_a_price_has_an_unknown_cost(folder: Path) -> None:
    with OpenAIServer(models=("tiny-model",)) as llm:
        llm.respond(lambda _: Reply(text="TL;DR: A paper.\n\n## 1. Main contributions\nA."))
        (folder / "arxiv-radar.toml").write_text(
            "[summaries]\n"
            'provider = "openai-compatible"\n'
            f'base_url = "{llm.base_url}"\n'
            'model = "tiny-model"\n'
            "max_retries = 0\n"
        )
        line = totals(folder)
    assert "cost unknown (no price)" in line and "free" not in line
