"""The offline summary: sentences chosen from the abstract, shaped like a model's answer.

With no API key (provider ``extractive``) a paper still gets a summary, and it is a faithful
one: every sentence in it is copied from the abstract (less any control or bidi characters),
nothing is written. The abstract is split into sentences (:func:`split_sentences`), the
sentences are ranked with TextRank (:func:`rank_sentences`: a TF-IDF cosine similarity graph,
PageRank by power iteration, in pure Python), and then:

- the TL;DR is the top-ranked sentence, ranked by its TextRank score times a prior from its
  cue words (a stated contribution counts most, a result next), so that it says what the paper
  does rather than restating the background;
- each of the four sections gets the best-ranked sentences (at most ``per_section``, in the
  abstract's order) that its cue words pick out (contributions: "we propose/present/introduce";
  method: "we use/train/evaluate", "dataset", "benchmark"; results: numbers, "%",
  "outperform", "achieve"; conclusions: "we conclude", "future", "limitation", ...); a sentence
  goes to one section at most, and a section with no sentence is left out and listed in
  ``missing_sections`` rather than filled with anything made up;
- no sentence is quoted twice: the TL;DR's sentence is in no section, and a sentence the
  abstract repeats word for word counts once.

The headings are in the configured language, but the sentences stay in the abstract's
language (English, nearly always): they are quotations, not translations. The Markdown starts
with a line saying so, and the sentences in it are escaped so that they render as the abstract
wrote them, except their TeX math (:mod:`arxiv_radar.text.tex`), which is kept as TeX
between dollars (``$P \\leq NP$``, ``$$...$$``), as a model would write it, unless it holds
what Markdown could read as code, HTML or a link. The result is deterministic and takes about
a millisecond per abstract.

The sentence splitter is a small rule-based one rather than pysbd, which splits the same way
on arXiv abstracts but takes about 5 ms per abstract by itself. It knows abbreviations
("e.g.", "i.e.", "et al.", "Fig. 2", "Eq. (3)", "vs."), initials, decimals and identifiers
("95.3%", "arXiv 2401.01234", "v2.1"), ellipses, closing quotes and brackets, and the Chinese
full stops.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence

from arxiv_radar.models import Paper, SummarySection
from arxiv_radar.summarize.parsing import ParsedSummary
from arxiv_radar.summarize.prompting import SECTION_TITLES, Language
from arxiv_radar.text.plain import clean_text
from arxiv_radar.text.tex import text_segments

__all__ = [
    "EXTRACTIVE_VERSION",
    "LABELS",
    "extractive_hash",
    "rank_sentences",
    "split_sentences",
    "summarize_extractive",
]

#: Bump when a change here changes the summaries (the cache then makes new ones).
EXTRACTIVE_VERSION = 2

#: The first line of every extractive summary, per language.
LABELS: dict[Language, str] = {
    "en": "*Extractive summary: sentences selected from the abstract, not written by a model.*",
    "zh": "*抽取式摘要：以下句子摘自论文摘要原文（保留原文语言），并非由模型撰写。*",
}
_EMPTY: dict[Language, str] = {
    "en": "*The abstract is empty: nothing to select.*",
    "zh": "*论文摘要为空，没有可摘取的句子。*",
}

# -- sentences ------------------------------------------------------------------------------

# Words that end with a full stop and never end a sentence (lower case, without the stop).
_ABBREVIATIONS = frozenset(
    """
    e.g eg i.e ie al cf vs viz approx resp ca incl w.r.t wrt a.k.a aka dr prof mr mrs ms jr sr
    st inc ltd corp univ dept
    """.split()
)
# Words that end with a full stop before a number or a bracket: "Fig. 2", "Eq. (3)", "Aug. 10".
_NUMBERED = frozenset(
    """
    fig figs eq eqs eqn eqns sec secs sect tab tabs ref refs no nos vol vols pp ch chap chaps
    thm lem defn prop cor alg algo appx jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
# Abbreviations that may end a sentence: a sentence ends there before a capital letter.
_MAY_END = frozenset({"etc"})

_TERMINATOR = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|[。！？]+[”’」』）)]*")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
_WORDLESS = re.compile(r"\s*\W*(?:\w\W*)?$")  # at most one letter or digit
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")  # U.S, e.g, a.k.a


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each an exact substring of it, stripped."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        start = 0
        for match in _TERMINATOR.finditer(paragraph):
            end = match.end()
            if _WORDLESS.match(paragraph, start, end):
                continue  # "2." or "(b)." alone is an enumerator, not a sentence
            if _ends_sentence(paragraph, match.start(), end):
                sentences.append(paragraph[start:end])
                start = end
        sentences.append(paragraph[start:])
    return [s.strip() for s in sentences if s.strip()]


def _ends_sentence(text: str, stop: int, end: int) -> bool:
    """Whether the terminator at ``text[stop:end]`` ends a sentence."""
    following = text[end:].lstrip()
    if not following:
        return True
    if text[stop] in "。！？":
        return True
    nxt = following[0]
    if nxt.islower():
        return False  # "e.g. the", "approx. five", an unknown abbreviation
    if text[stop:end].startswith(("!", "?", "…", "...")):
        return True
    token = _TOKEN_BEFORE.search(text, 0, stop)
    word = token.group(1).lstrip("([{\"'“‘").lower() if token else ""
    if word in _MAY_END:
        return nxt.isupper()
    if word in _NUMBERED:
        return not (nxt.isdigit() or nxt in "([")
    if word in _ABBREVIATIONS or _INITIALISM.match(word):
        return False  # "et al. (2020)", "i.e. BERT", "U.S. Army"
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "J. Smith"
    return True


# -- TextRank ---------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_][\w'-]*|\d+(?:\.\d+)?%?", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_STOPWORDS = frozenset(
    """
    a an the and or but nor of to in on at by for with from as into onto over under than then
    that this these those there here it its they them their we our us you your he she his her
    is are was were be been being am do does did has have had having can could may might must
    shall should will would not no also such so too very more most less least only just both
    each either neither all any some many much few other another which who whom whose what
    when where why how while whereas if because since though although however thus hence
    therefore yet still even about above below between among through during before after
    again further once up down out off via per using used use based new paper work study
    approach method methods propose proposed present show shows results result
    """.split()
)
_DAMPING = 0.85
_TOLERANCE = 1e-9
_MAX_ITERATIONS = 200


def _terms(sentence: str) -> list[str]:
    terms = [
        w for w in (m.group().lower() for m in _WORD.finditer(sentence)) if w not in _STOPWORDS
    ]
    for run in _CJK.findall(sentence):  # Chinese: character bigrams
        terms += [run[i : i + 2] for i in range(len(run) - 1)] or [run]
    return [t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t for t in terms]


def rank_sentences(sentences: Sequence[str]) -> list[float]:
    """The TextRank score of each sentence (they sum to 1): PageRank over the graph of
    sentences linked by the TF-IDF cosine similarity of their words."""
    n = len(sentences)
    if n == 0:
        return []
    weights = _similarities(sentences)
    out_weight = [sum(row) for row in weights]
    links = [
        [(j, weights[j][i] / out_weight[j]) for j in range(n) if weights[j][i]] for i in range(n)
    ]
    scores = [1.0 / n] * n
    for _ in range(_MAX_ITERATIONS):
        dangling = sum(scores[j] for j in range(n) if not out_weight[j]) / n
        new = [
            (1 - _DAMPING) / n + _DAMPING * (dangling + sum(w * scores[j] for j, w in links[i]))
            for i in range(n)
        ]
        change = max(abs(a - b) for a, b in zip(new, scores, strict=True))
        scores = new
        if change < _TOLERANCE:
            break
    return scores


def _similarities(sentences: Sequence[str]) -> list[list[float]]:
    """The TF-IDF cosine similarity of every two sentences (0 on the diagonal)."""
    n = len(sentences)
    counts = [Counter(_terms(s)) for s in sentences]
    document_frequency = Counter(term for c in counts for term in c)
    idf = {t: math.log((1 + n) / (1 + df)) + 1 for t, df in document_frequency.items()}
    vectors = [{t: tf * idf[t] for t, tf in c.items()} for c in counts]
    norms = [math.sqrt(sum(v * v for v in vector.values())) for vector in vectors]
    weights = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if norms[i] and norms[j]:
                small, large = sorted((vectors[i], vectors[j]), key=len)
                dot = sum(v * large[t] for t, v in small.items() if t in large)
                weights[i][j] = weights[j][i] = dot / (norms[i] * norms[j])
    return weights


# -- sections ---------------------------------------------------------------------------------

_WE = r"\bwe (?:also |then |further |first |additionally |finally |\w+ly )?"
_CUES: dict[int, tuple[tuple[re.Pattern[str], float], ...]] = {
    1: (
        (
            re.compile(
                r"(?:\bwe|\bthis (?:paper|work|study|article|letter)|\bour (?:work|paper))"
                r" (?:also |here |first |\w+ly )?(?:propose|present|introduce|develop|design"
                r"|describe|put forward|formulate|contribute|release|build|create|offer|devise"
                r"|establish|provide)",
                re.I,
            ),
            3.0,
        ),
        (re.compile(r"\bin this (?:paper|work|study|article),? we\b", re.I), 3.0),
        (re.compile(r"\b(?:novel|first|framework)\b", re.I), 1.0),
        (re.compile(r"\bto (?:address|tackle|overcome|bridge|solve|fill)\b", re.I), 1.0),
        (re.compile(r"提出|本文|贡献|创新"), 2.0),
    ),
    2: (
        (
            re.compile(
                _WE + r"(?:use|train|evaluat|conduct|perform|test|appl(?:y|ie)|fine-tun|compar"
                r"|benchmark|collect|construct|leverag|employ|adopt|analy[sz]|stud(?:y|ie)"
                r"|investigat|examin|experiment|measur|survey|implement|simulat|model|run"
                r"|sampl|gather|interview)",
                re.I,
            ),
            2.0,
        ),
        (
            re.compile(
                r"\b(?:datasets?|benchmarks?|experiments?|experimental|evaluat\w*|baselines?"
                r"|metrics?|corpus|corpora|trained on|participants|simulations?|case stud\w*"
                r"|testbed|user study)\b",
                re.I,
            ),
            1.0,
        ),
        (re.compile(r"数据集|实验|评估|基线"), 1.5),
    ),
    3: (
        (re.compile(r"\d(?:[\d.,]*\d)?\s*(?:%|x\b|×|times\b|fold\b|percent)", re.I), 2.0),
        (
            re.compile(
                r"\b(?:outperform\w*|surpass\w*|speed-?ups?|results (?:show|indicate"
                r"|demonstrate|suggest|reveal)|(?:we|experiments) (?:find|found|observe|show"
                r"|demonstrate|confirm)|significantly (?:better|higher|lower|faster))",
                re.I,
            ),
            1.5,
        ),
        (
            re.compile(
                r"\b(?:achiev\w*|improv\w*|reduc\w*|gains?|better than|accuracy|state-of-the-art"
                r"|effective(?:ness)?)\b",
                re.I,
            ),
            0.75,
        ),
        (re.compile(r"\b\d+(?:\.\d+)?\b"), 0.5),
        (re.compile(r"优于|提升|达到|结果表明"), 2.0),
    ),
    4: (
        (
            re.compile(
                r"\b(?:we conclude|conclusions?|future (?:work|research|directions?)|limitations?"
                r"|implications?|we discuss|open (?:questions?|problems?)|pave[sd]? the way"
                r"|call for|we hope|lessons? learned)\b",
                re.I,
            ),
            2.0,
        ),
        (
            re.compile(
                r"\b(?:these|our) (?:findings|results) (?:suggest|highlight|indicate|call)"
                r"|\binsights?\b|\boverall\b",
                re.I,
            ),
            1.0,
        ),
        (re.compile(r"结论|未来|局限|启示"), 2.0),
    ),
}
_MIN_CUE = 1.5  # a sentence goes to a section only with this much evidence
_PER_SECTION = 2


def _cue_scores(sentence: str, *, early: bool) -> dict[int, float]:
    """How strongly ``sentence`` speaks for each section. Conclusion words count half in the
    first half of an abstract, where they describe earlier work ("these limitations ...")."""
    scores = {
        number: sum(weight for pattern, weight in cues if pattern.search(sentence))
        for number, cues in _CUES.items()
    }
    if early:
        scores[4] /= 2
    return scores


def _section_of(scores: dict[int, float]) -> int | None:
    """The section whose cues matched best (ties: the lower number), or None."""
    number = max(scores, key=lambda n: (scores[n], -n))
    return number if scores[number] >= _MIN_CUE else None


def _prior(scores: dict[int, float]) -> float:
    """What a sentence's centrality is multiplied by to rank it: a stated contribution counts
    most, a result next, background least (the TL;DR should say what the paper does)."""
    return 1.0 + min(scores[1], 3.0) + 0.5 * min(scores[3], 2.0)


_ESCAPED = re.compile(r"([\\`*_\[\]<>#|~&!$])")
_LIST_LIKE = re.compile(r"^(\d+)([.)])")


# What Markdown could read in a math span as code, raw HTML or a link (or an image).
_NOT_PLAIN_TEX = re.compile(r"[`]|<[A-Za-z/!?]|\]\(|!\[")


def _plain_math(tex: str, display: bool) -> str | None:
    """``tex`` between dollars, or None when Markdown could read more than math in it."""
    fence = "$$" if display else "$"
    math = f"{fence}{tex.strip()}{fence}"
    if _NOT_PLAIN_TEX.search(tex) or [s.kind for s in text_segments(math)] != ["math"]:
        return None
    return math


def _escape(sentence: str) -> str:
    """``sentence`` as Markdown text that renders exactly as written, its TeX math kept as
    TeX between dollars."""
    parts: list[str] = []
    for segment in text_segments(" ".join(sentence.split())):
        math = _plain_math(segment.tex, segment.display) if segment.kind == "math" else None
        parts.append(math or _ESCAPED.sub(r"\\\1", segment.raw))
    return _LIST_LIKE.sub(r"\1\\\2", "".join(parts))


def summarize_extractive(
    paper: Paper, *, language: Language = "zh", per_section: int = _PER_SECTION
) -> ParsedSummary:
    """``paper``'s extractive summary (see the module docstring)."""
    titles = SECTION_TITLES.get(language, SECTION_TITLES["en"])
    label = LABELS.get(language, LABELS["en"])
    sentences = split_sentences(clean_text(paper.abstract))
    if not sentences:
        empty = _EMPTY.get(language, _EMPTY["en"])
        return ParsedSummary(None, (), (1, 2, 3, 4), f"{label}\n\n{empty}\n")
    # A sentence the abstract says twice is quoted once.
    first: dict[str, str] = {}
    for sentence in sentences:
        first.setdefault(" ".join(sentence.split()), sentence)
    sentences = list(first.values())
    half = len(sentences) / 2
    cues = [_cue_scores(s, early=i + 1 <= half) for i, s in enumerate(sentences)]
    centrality = rank_sentences(sentences)
    scores = [c * _prior(cue) for c, cue in zip(centrality, cues, strict=True)]
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    chosen: dict[int, list[int]] = {1: [], 2: [], 3: [], 4: []}
    for index in order[1:]:  # order[0] is the TL;DR: quoted once, above the sections
        section = _section_of(cues[index])
        if section is not None and len(chosen[section]) < per_section:
            chosen[section].append(index)

    tldr = " ".join(sentences[order[0]].split())
    parts = [label, "", f"TL;DR: {_escape(tldr)}"]
    sections: list[SummarySection] = []
    for number, title in enumerate(titles, start=1):
        picked = sorted(chosen[number])
        if not picked:
            continue
        body = "\n".join(f"- {_escape(sentences[i])}" for i in picked)
        sections.append(SummarySection(number=number, title=title.split(" ", 1)[1], body=body))
        parts += ["", f"## {title}", "", body]
    missing = tuple(n for n in (1, 2, 3, 4) if not chosen[n])
    return ParsedSummary(tldr, tuple(sections), missing, "\n".join(parts) + "\n")


def extractive_hash() -> str:
    """What extractive summaries use for ``prompt_hash`` in their cache key: 16 hex digits
    that change with :data:`EXTRACTIVE_VERSION` (the language is a key column of its own)."""
    return hashlib.sha256(f"extractive:v{EXTRACTIVE_VERSION}".encode()).hexdigest()[:16]
