"""How one keyword matches text in the default mode: words, forms, separators, patterns."""

from __future__ import annotations

import pytest

from arxiv_radar.config import KeywordRule, ProfileConfig
from arxiv_radar.models import Paper
from arxiv_radar.rank import explain, word_forms
from arxiv_radar.rank.matching import (
    PatternMatcher,
    is_plain,
    prepare,
    required_literal,
    term_key,
    words_of,
)


def matched(keyword: str | KeywordRule, text: str) -> str | None:
    """The text ``keyword`` matches in an abstract ``text`` (None: no match)."""
    paper = Paper(arxiv_id="2601.00001", version=1, title="", abstract=text)
    explanation = explain(paper, ProfileConfig(keywords=[keyword]))
    found = [m.text for m in explanation.matches if m.where == "abstract"]
    assert len(found) <= 1
    return found[0] if found else None


# (keyword, text, the text it matches as the paper writes it, or None)
TABLE: list[tuple[str, str, str | None]] = [
    # plurals, possessives, hyphenated compounds
    ("LLM", "We fine-tune LLMs on code.", "LLMs"),
    ("LLM", "An LLM-based agent", "LLM"),
    ("LLM", "the LLM's answers", "LLM"),
    ("LLM", "serving with VLLM", None),
    ("LLMs", "a single LLM", "LLM"),
    ("Policies", "a policy network", "policy"),
    ("Video", "long videos", "videos"),
    ("Efficiency", "energy efficiencies", "efficiencies"),
    ("query", "multiple queries were queried", "queries"),
    ("Embedding", "token embeddings", "embeddings"),
    ("embed", "we embedded the graph", "embedded"),
    ("model", "language modelling", "modelling"),
    # hyphen and space variants, words written together, line breaks, LaTeX ties
    ("kv cache", "compress the KV-cache", "KV-cache"),
    ("kv cache", "paged KV caches", "KV caches"),
    ("kv cache", "fewer kv-caches", "kv-caches"),
    ("kv cache", "the KVCache layout", "KVCache"),
    ("kv cache", "a KV~cache", "KV~cache"),
    ("kv cache", "the KV\n  cache", "KV\n  cache"),
    ("KV-Cache", "kv cache eviction", "kv cache"),
    ("kv cache", "the KV. Cache is", None),
    ("kv cache", "kv and cache", None),
    ("State Space", "state-space models", "state-space"),
    ("State Space", "State spaces", "State spaces"),
    ("State Space", "state of the art in space", None),
    ("speculative decoding", "Speculative-Decoding", "Speculative-Decoding"),
    # inflections and what is not one
    ("Decoding", "speculative decoding", "decoding"),
    ("Decode", "tokens are decoded", "decoded"),
    ("Decode", "it decodes", "decodes"),
    ("Decode", "parallel decoding", "decoding"),
    ("Decode", "decoupled heads", None),
    ("Decode", "a decoder-only model", None),
    ("Fast", "Fast inference", "Fast"),
    ("Fast", "breakfast", None),
    ("Fast", "faster inference", None),
    ("Attention", "Attention is all you need", "Attention"),
    ("Attention", "attentional bias", None),
    ("Linear", "nonlinear", None),
    ("Linear", "non-linear", "linear"),
    ("Linear", "grows linearly", None),
    ("Efficient", "efficiently", None),
    ("Sparse", "sparsity and sparsely", None),
    # acronyms never match inside a word
    ("RL", "deep RL agents", "RL"),
    ("RL", "RL-based fine-tuning", "RL"),
    ("RL", "offline (RL)", "RL"),
    ("RL", "the world model", None),
    ("RL", "we overlook it", None),
    ("RL", "grows linearly", None),
    ("RL", "RLHF pipelines", None),
    ("RL", "MARL agents", None),
    ("MOE", "sparse MoE layers", "MoE"),
    ("MOE", "MoEs scale", "MoEs"),
    ("MOE", "a Moebius strip", None),
    ("FP8", "FP8 training", "FP8"),
    ("FP8", "FP8-quantized", "FP8"),
    ("FP8", "FP16 only", None),
    ("3D", "3D reconstruction", "3D"),
    ("GPT-4", "GPT-4o and GPT-4", "GPT-4"),
    ("GPT-4", "only GPT-4o", None),
    # other scripts and accents
    ("Lévy", "Lévy flights", "Lévy"),
    ("Lévy", "Levy flights", None),
    ("Schrödinger", "the SCHRÖDINGER equation", "SCHRÖDINGER"),
    ("İstanbul", "İstanbul traffic", "İstanbul"),
    ("Σύνοψη", "μια σύνοψη", "σύνοψη"),
    # keywords with other characters: as written, not inside a word
    ("C++", "written in C++ and Rust", "C++"),
    ("C++", "ABC++ code", None),
    ("Node.js", "a Node.js server", "Node.js"),
    ("Node.js", "a Nodexjs server", None),
    ("A/B testing", "online A/B  testing", "A/B  testing"),
]


@pytest.mark.parametrize(("keyword", "text", "expected"), TABLE)
def test_keyword_matches(keyword: str, text: str, expected: str | None) -> None:
    assert matched(keyword, text) == expected


def test_the_table_is_big_enough() -> None:
    positives = [row for row in TABLE if row[2] is not None]
    assert len(positives) >= 30 and len(TABLE) - len(positives) >= 20


REGEX_TABLE: list[tuple[str, str, str | None]] = [
    (r"\bMoE\b", "sparse moe layers", "moe"),
    (r"\bMoE\b", "MoEs", None),
    (r"speculat(ive|ion)\s+decod", "Speculative  decoding", "Speculative  decod"),
    (r"^We\b", "We propose", "We"),
    (r"^We\b", "Here we propose", None),
    (r"(?-i:RL)", "the rl world of RL", "RL"),
    (r"(?=GPU)", "GPU kernels", None),  # only empty matches: no match
    (r"x?(?=GPU)|GPU", "GPU kernels", "GPU"),  # the first non-empty match
    (r"c\+\+", "C++ code", "C++"),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), REGEX_TABLE)
def test_regex_rules_are_used_as_written_ignoring_case(
    pattern: str, text: str, expected: str | None
) -> None:
    assert matched(KeywordRule(regex=pattern), text) == expected


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("decode", {"decode", "decodes", "decoded", "decoding", "decodings", "decodeing"}),
        ("llm", {"llm", "llms", "llmes", "llmed", "llming", "llmings"}),
        ("query", {"query", "querys", "queryes", "queryed", "querying", "queryings", "queries",
                   "queried"}),
        ("embed", {"embed", "embeds", "embedes", "embeded", "embeding", "embedings",
                   "embedded", "embedding", "embeddings"}),
        ("llms", {"llms", "llm"}),
        ("policies", {"policies", "policie", "policy"}),
        ("news", {"news", "new"}),  # the documented pitfall of plural keywords
        ("class", {"class", "classs", "classes", "classed", "classing", "classings"}),
        ("fp8", {"fp8", "fp8s", "fp8es", "fp8ed", "fp8ing", "fp8ings"}),
    ],
)  # fmt: skip
def test_word_forms(word: str, forms: set[str]) -> None:
    assert word_forms(word) == forms


def test_words_and_keys() -> None:
    assert words_of("KV-Cache (v2)") == ["kv", "cache", "v2"]
    assert term_key("KV-Cache") == term_key(" kv  cache ") == "kv cache"
    assert term_key("Node.JS") == "node.js"
    assert is_plain("State-Space ~ Models") and is_plain(" RL ")
    assert not is_plain("C++") and not is_plain("A/B testing") and not is_plain("---")


def test_prepared_text_marks_word_starts_with_spaces() -> None:
    assert prepare("KV-Cache, LLMs!").words == " kv cache  llms  "
    assert prepare("Lévy–Khintchine’s").words == " lévy khintchine s "


def test_regex_shortcut_reads_the_text_every_match_needs() -> None:
    assert required_literal(r"\bMoE\b") == "moe"
    assert required_literal(r"(speculative) decod(ing|e)") == "speculative decod"
    assert required_literal(r"c\+\+") == "c++"
    assert required_literal(r"LLM|GPT") is None
    assert required_literal(r"x?") is None


@pytest.mark.parametrize(
    "text",
    ["MoE here", "no match here", "MOE, MoE", "Mixture-of-Experts (MoE)", "ΜοΕ Greek", "m o e"],
)
def test_the_regex_shortcut_never_changes_a_result(text: str) -> None:
    matcher = PatternMatcher(r"\bMoE\b")
    prepared = prepare(text)
    plain = matcher.regex.search(text)
    found = matcher.search(prepared)
    assert (found and found.group()) == (plain and plain.group())
