"""Where Markdown's code blocks are: the one reading that sanitizing and finding TeX math share."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.text.sanitize import code_block_runs, sanitize_markdown
from arxiv_radar.text.tex import markdown_segments

ANSWER = "TL;DR: $P$ holds.\n\n```\ncost = $5 and $x$\n```\n\n    indented $y$ code\n\nAfter $z$.\n"

# Lines that open, hold and close code blocks, and text with math, in any order.
_LINES = st.lists(
    st.sampled_from(["```", "~~~", "    code $a$", "", "text $b$ and `c`", "- item", "$$", "\t"]),
    max_size=12,
)


def test_fenced_and_indented_code_are_runs_of_their_own() -> None:
    assert code_block_runs(ANSWER) == [
        (False, "TL;DR: $P$ holds.\n"),
        (True, "```\ncost = $5 and $x$\n```"),
        (False, ""),
        (True, "    indented $y$ code"),
        (False, "\nAfter $z$.\n"),
    ]


def test_math_is_found_outside_code_blocks_only() -> None:
    math = [s.tex for s in markdown_segments(ANSWER) if s.kind == "math"]
    assert math == ["P", "z"]


def test_code_blocks_come_through_sanitizing_as_written() -> None:
    hostile = "<b>bold</b>\n\n```\n<script>alert(1)</script>\n```\n"
    assert sanitize_markdown(hostile) == "bold\n\n```\n<script>alert(1)</script>\n```\n"


@given(_LINES)
def test_the_runs_and_the_segments_give_the_text_back(lines: list[str]) -> None:
    markdown = "\n".join(lines)
    runs = code_block_runs(markdown)
    assert "\n".join(run for _, run in runs) == markdown
    assert all(a != b for (a, _), (b, _) in zip(runs, runs[1:], strict=False))
    assert "".join(s.raw for s in markdown_segments(markdown)) == markdown
