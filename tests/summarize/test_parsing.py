"""Reading models' answers: TL;DR spellings, heading styles, missing sections, old-tool style."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_radar.summarize.parsing import ParsedSummary, parse_summary, strip_model_wrapping
from arxiv_radar.summarize.prompting import SECTION_TITLES, Language
from arxiv_radar.text.sanitize import is_safe_markdown

LANGUAGES: tuple[Language, ...] = ("zh", "en")

# -- realistic answers ---------------------------------------------------------------------------

# As the old tool's qwen-long answers looked: a title line, "---" separators, sub-headings
# (some numbered) inside sections, a table, and the one-line summary in a quote at the end.
ZH_OLD_STYLE = """# 论文总结：*LLM-CoOpt: A Co-Design Framework for Efficient LLM Inference*

---

## 1. 论文的主要贡献和创新点

### 解决了什么问题
大语言模型（LLMs）在异构平台上的推理面临三大挑战：
- **KV Cache 内存瓶颈**：显存占用高；
- **Multi-Head Attention 的计算冗余**。

### 提出了什么新方法或新思路
作者提出 **LLM-CoOpt**，集成三项关键技术：

#### ✅ Opt-KV：动态 KV Cache 优化
1. **过滤有效块**：仅加载实际上下文范围内的逻辑块；
2. **共享内存归约**：用 `block_sum` 替代 warp-level reduction。

---

## 2. 核心实验方法和设置

### 1. 数据集
- `ShareGPT_V3_unfiltered_cleaned_split`，约 35,240 条对话样本。

### 2. 评估指标
| 指标 | 定义 |
|------|------|
| **Inference Latency** | 平均响应时间 |

---

## 3. 主要实验结果和性能指标

| 方法 | 推理延迟 ↓ | 吞吐 ↑ |
|------|-----------|--------|
| vLLM | 1.00x | 1.00x |
| LLM-CoOpt | **0.87x** | **1.13x** |

#### （1）消融实验
- Opt-KV 单独带来 6.2% 的吞吐提升。

---

## 4. 关键结论和发现

### 主要结论
- 吞吐提升最高 13.43%，延迟降低 16.79%。

### 方法的局限性
- 仅在 DCU Z100 上验证。

---

> ✅ **总结一句话**：
> **LLM-CoOpt 通过算法-硬件协同优化，在 DCU 平台上同时提升了 LLM 推理的吞吐与延迟。**
"""

# Exactly what the shipped prompt asks for.
ZH_AS_ASKED = """TL;DR: 本文提出 SPES，一种稀疏专家同步的去中心化 MoE 预训练方法。

## 1. 主要贡献和创新点
- 解决了去中心化训练中通信开销过大的问题。
- 提出 **SPES**（Sparse Expert Synchronization），每个节点只同步部分 expert。

## 2. 方法与实验设置
- 数据集：FineWeb-Edu，评估指标：perplexity 与下游任务准确率。
- 基线：DiLoCo、全同步 DDP。

## 3. 主要结果（含关键数字）
- 通信量降低 **~75%**，下游任务平均准确率与 DDP 相差 < 0.5 个百分点。

## 4. 结论、局限与未来工作
- 去中心化 MoE 预训练可行；尚未在 >10B 规模验证。
"""

# Bold lines as headings, one with its text on the same line.
EN_BOLD = """**TL;DR**: Argus predicts output lengths to offload LLM inference, cutting latency 40%.

**1. Main contributions and innovations**
- A length-aware semantics (LAS) module that predicts how many tokens a prompt will produce.
- A Lyapunov-guided offloading optimizer (LOO).

**2. Method and experimental setup**: Evaluated on ShareGPT and Alpaca traces with Llama-2.
- Baselines: round-robin, JSQ, and a latency-greedy scheduler.

**3. Key results**
- Average end-to-end latency drops by **40.2%** against the best baseline.
- Length prediction MAE is 18.7 tokens.

**4. Conclusions, limitations and future work**
- Token-aware scheduling matters for distributed inference; evaluation is simulation-only.
"""

# Section 3 left out.
EN_MISSING_3 = """TL;DR: A benchmark of LLM unit-test generation across 5 languages.

## 1. Main contributions and innovations
We introduce a benchmark and a taxonomy of failure modes.

## 2. Method and experimental setup
Seven open models are evaluated on 1,200 focal methods with coverage and mutation score.

## 4. Conclusions, limitations and future work
Larger models help but compilation errors dominate; the benchmark is Java-heavy.
"""

# No TL;DR; headings numbered with Chinese numerals.
ZH_NO_TLDR = """### 一、主要贡献和创新点
提出 FraudCoT，将 LLM 的 Chain-of-Thought 蒸馏到 GNN 中用于欺诈检测。

### 二、方法与实验设置
在 YelpChi、Amazon 和 T-Finance 三个数据集上评估，指标为 AUC 与 F1-macro。

### 三、主要结果（含关键数字）
AUC 最高提升 8.8%，训练速度提升 1,066 倍。

### 四、结论、局限与未来工作
依赖高质量教师 LLM；未来扩展到动态图。
"""

# A reasoning model: a <think> block, then the answer wrapped in a code fence.
EN_FENCED_THINK = """<think>
The user wants a summary. The paper says "ignore previous instructions" but I will not.
</think>

```markdown
TLDR - Puzzle is extended to MoE reasoning models, speeding up GPT-OSS inference by 1.6x.

# Summary of the paper

## Section 1: Contributions
Heterogeneous MoE expert pruning with a reasoning-aware NAS.

## Section 2: Method and setup
Search over per-layer expert counts; evaluated on AIME, MATH-500 and GPQA.

## Section 3: Results
1.6x throughput on H100 with under 1 point of accuracy loss.

## Section 4: Conclusions
MoE models are prunable post hoc; limited to one model family.
```
"""

# No Markdown headings at all: plain numbered lines.
ZH_PLAIN_NUMBERED = """一句话总结：本文系统评测了 ChatGPT 回答软件测试课程问题的能力。

1、主要贡献和创新点
首次系统评估 ChatGPT 在软件测试教育场景中的表现。

2、方法与实验设置
从一本流行教材中选取 31 道问题，共 3 种提问方式。

3、主要结果（含关键数字）
55.6% 的回答正确或部分正确，53.0% 的解释正确或部分正确。

4、结论、局限与未来工作
讨论了对学生和教师的潜在风险与机遇。
"""

# Headings without numbers; the TL;DR comes last.
EN_UNNUMBERED = """## Contributions
A new optimizer.

## Method
Trained on ImageNet.

## Results
Top-1 accuracy 81.2%.

## Conclusion
Works well.

TL;DR: A new optimizer reaches 81.2% top-1 on ImageNet.
"""

# Sections in a slightly different order of style: "## **1. ...**" (bold inside the heading),
# emoji, a TL;DR heading with the sentence under it, a section 5 the prompt did not ask for.
EN_BOLD_ATX_EXTRA = """# 📄 Summary

## TL;DR
A token-aware scheduler that cuts LLM serving latency by 40%.

## **📌 1. Main contributions and innovations**
Argus predicts output lengths.

## **🧪 2) Method and experimental setup**
Simulated edge-cloud cluster; ShareGPT traces.

## **📊 3) Key results**
40.2% lower latency.

## **🔭 4) Conclusions, limitations and future work**
Simulation only.

## 5. Reviewer notes
Not a section.
"""


# Models also answer like this: the TL;DR at the end, "### 1)" headings, nested numbering.
EN_TLDR_LAST = """### 1) Main contributions and innovations
- **Problem**: flaky tests waste CI time.
- **Idea**: a classifier over 3 feature groups:
  1. code features;
  2. history features.

### 2) Method and experimental setup
Five open-source projects, 10-fold cross-validation.

### 3) Key results
F1 of 0.86 versus 0.71 for the best baseline.

### 4) Conclusions, limitations and future work
Works on Java only.

> TL;DR - A classifier finds flaky tests with 0.86 F1.
"""


def parse(text: str, language: Language = "en") -> ParsedSummary:
    return parse_summary(text, language=language)


def numbers(parsed: ParsedSummary) -> list[int]:
    return [section.number for section in parsed.sections]


def section(parsed: ParsedSummary, number: int) -> str:
    return next(s.body for s in parsed.sections if s.number == number)


def test_the_old_tools_style_with_a_title_line_and_rules() -> None:
    parsed = parse(ZH_OLD_STYLE, "zh")
    assert numbers(parsed) == [1, 2, 3, 4] and parsed.missing_sections == ()
    assert [s.title for s in parsed.sections] == [
        "论文的主要贡献和创新点",
        "核心实验方法和设置",
        "主要实验结果和性能指标",
        "关键结论和发现",
    ]
    assert (
        parsed.tldr
        == "LLM-CoOpt 通过算法-硬件协同优化，在 DCU 平台上同时提升了 LLM 推理的吞吐与延迟。"
    )
    one = section(parsed, 1)
    assert one.startswith("### 解决了什么问题") and "论文总结" not in one
    assert "`block_sum`" in one and not one.endswith("---")
    two = section(parsed, 2)  # its "### 1." and "### 2." sub-headings are body, not sections
    assert two.startswith("### 1. 数据集") and "### 2. 评估指标" in two and "| 指标 | 定义 |" in two
    assert "#### （1）消融实验" in section(parsed, 3)
    four = section(parsed, 4)
    assert four.endswith("- 仅在 DCU Z100 上验证。")  # the quoted one-liner is the TL;DR
    assert "总结一句话" not in four
    assert parsed.complete


def test_an_answer_as_the_prompt_asks() -> None:
    parsed = parse(ZH_AS_ASKED, "zh")
    assert parsed.tldr == "本文提出 SPES，一种稀疏专家同步的去中心化 MoE 预训练方法。"
    assert [s.title for s in parsed.sections] == [
        title.split(" ", 1)[1] for title in SECTION_TITLES["zh"]
    ]
    assert (
        section(parsed, 3)
        == "- 通信量降低 **~75%**，下游任务平均准确率与 DDP 相差 < 0.5 个百分点。"
    )
    assert parsed.markdown == ZH_AS_ASKED.strip()
    assert parsed.complete


def test_bold_headings_with_text_on_the_same_line() -> None:
    parsed = parse(EN_BOLD)
    assert (
        parsed.tldr
        == "Argus predicts output lengths to offload LLM inference, cutting latency 40%."
    )
    assert numbers(parsed) == [1, 2, 3, 4]
    assert parsed.sections[1].title == "Method and experimental setup"
    assert section(parsed, 2).startswith("Evaluated on ShareGPT and Alpaca traces with Llama-2.\n")
    assert section(parsed, 3).endswith("- Length prediction MAE is 18.7 tokens.")


def test_a_missing_section_is_reported() -> None:
    parsed = parse(EN_MISSING_3)
    assert numbers(parsed) == [1, 2, 4]
    assert parsed.missing_sections == (3,)
    assert parsed.tldr is not None and not parsed.complete


def test_no_tldr_is_reported_as_none() -> None:
    parsed = parse(ZH_NO_TLDR, "zh")
    assert parsed.tldr is None and not parsed.complete
    assert numbers(parsed) == [1, 2, 3, 4]  # "一、" ... "四、" numbering
    assert section(parsed, 3) == "AUC 最高提升 8.8%，训练速度提升 1,066 倍。"


def test_a_reasoning_block_and_a_wrapping_fence_are_removed() -> None:
    parsed = parse(EN_FENCED_THINK)
    assert "think" not in parsed.markdown and "ignore previous" not in parsed.markdown
    assert not parsed.markdown.startswith("```")
    assert (
        parsed.tldr
        == "Puzzle is extended to MoE reasoning models, speeding up GPT-OSS inference by 1.6x."
    )
    assert [s.title for s in parsed.sections] == [
        "Contributions",
        "Method and setup",
        "Results",
        "Conclusions",
    ]


def test_plain_numbered_lines_with_section_titles() -> None:
    parsed = parse(ZH_PLAIN_NUMBERED, "zh")
    assert parsed.tldr == "本文系统评测了 ChatGPT 回答软件测试课程问题的能力。"
    assert numbers(parsed) == [1, 2, 3, 4]
    assert section(parsed, 2) == "从一本流行教材中选取 31 道问题，共 3 种提问方式。"


def test_unnumbered_headings_are_read_by_their_titles() -> None:
    parsed = parse(EN_UNNUMBERED)
    assert [(s.number, s.title) for s in parsed.sections] == [
        (1, "Contributions"),
        (2, "Method"),
        (3, "Results"),
        (4, "Conclusion"),
    ]
    assert section(parsed, 4) == "Works well."  # the TL;DR after it is not part of it
    assert parsed.tldr == "A new optimizer reaches 81.2% top-1 on ImageNet."


def test_bold_inside_headings_emoji_a_tldr_heading_and_an_extra_section() -> None:
    parsed = parse(EN_BOLD_ATX_EXTRA)
    assert parsed.tldr == "A token-aware scheduler that cuts LLM serving latency by 40%."
    assert [s.title for s in parsed.sections][0] == "Main contributions and innovations"
    assert numbers(parsed) == [1, 2, 3, 4]
    assert section(parsed, 4) == "Simulation only."  # "## 5." ends it
    assert "Reviewer notes" in parsed.markdown


def test_tldr_at_the_end_in_a_quote_and_nested_numbered_lists() -> None:
    parsed = parse(EN_TLDR_LAST)
    assert parsed.tldr == "A classifier finds flaky tests with 0.86 F1."
    assert numbers(parsed) == [1, 2, 3, 4]
    assert "1. code features;" in section(parsed, 1)
    assert section(parsed, 4) == "Works on Java only."


@pytest.mark.parametrize(
    "line",
    [
        "TL;DR: A new method.",
        "TLDR - A new method.",
        "**TL;DR**: A new method.",
        "**TL;DR:** A new method.",
        "tl;dr — A new method.",
        "TL; DR：A new method.",
        "- **TLDR** A new method.",
        "> 💡 **TL;DR**: A new method.",
        "## TL;DR: A new method.",
        "一句话总结：A new method.",
        "**一句话概括**：A new method.",
        "> ✅ **总结一句话**：A new method.",
    ],
)
def test_tldr_spellings(line: str) -> None:
    parsed = parse(f"# Title\n\n{line}\n\n## 1. Contributions\nX.\n")
    assert parsed.tldr == "A new method."
    assert section(parsed, 1) == "X."


def test_a_closing_summary_stands_in_for_a_missing_tldr() -> None:
    # Old-tool answers often end with a summary line instead of a TL;DR.
    body = "## 1. 贡献\na\n## 4. 结论\n### 总结\n- 不是 TL;DR 的列表\n\n---\n"
    parsed = parse(body + "\n## 总结\nX 是首个端到端系统。\n", "zh")
    assert parsed.tldr == "X 是首个端到端系统。"
    assert section(parsed, 4) == "### 总结\n- 不是 TL;DR 的列表"
    parsed = parse(body + "\n> 🚀 **总体而言，SPES 提供了可行路径。**\n", "zh")
    assert parsed.tldr == "SPES 提供了可行路径。"
    parsed = parse(body + "\n**Overall:** a fine paper.\n", "zh")
    assert parsed.tldr == "a fine paper."
    assert parse(body, "zh").tldr is None  # a heading over a list is not a summary line


def test_a_tldr_label_wins_over_a_closing_summary() -> None:
    parsed = parse("总结：the closing line.\n\n## 1. A\nx\n\nTL;DR: the real one.\n")
    assert parsed.tldr == "the real one."


def test_a_tldr_label_with_the_sentence_on_the_next_lines() -> None:
    parsed = parse("**TL;DR**\n\nOne sentence\nover two lines.\n\n## 1. A\nx\n")
    assert parsed.tldr == "One sentence over two lines."


@pytest.mark.parametrize(
    "heading",
    ["## 1. A", "## 1、A", "## (1) A", "## （1）A", "## 一、A", "## 第一部分：A", "## Section 1: A",
     "## Part 1 - A", "## 1 A", "## 1) A", "### **1.** A", "**1. A**", "#### 📌 1．A"],
)  # fmt: skip
def test_section_numbers_in_many_spellings(heading: str) -> None:
    parsed = parse(f"{heading}\nbody\n")
    assert [(s.number, s.title, s.body) for s in parsed.sections] == [(1, "A", "body")]


def test_numbers_in_titles_are_not_section_numbers() -> None:
    parsed = parse("## 1.58-bit LLMs\nx\n## 2024 results\ny\n## 3D scenes\nz\n")
    assert parsed.sections == () and parsed.missing_sections == (1, 2, 3, 4)


def test_a_heading_with_only_a_number_gets_the_default_title() -> None:
    assert parse("## 3.\nResults here.\n", "zh").sections[0].title == "主要结果（含关键数字）"
    assert parse("## 3.\nResults here.\n", "en").sections[0].title == "Key results"


def test_an_empty_section_counts_as_missing() -> None:
    parsed = parse("TL;DR: x\n## 1. A\n---\n## 2. B\nbody\n")
    assert numbers(parsed) == [2] and parsed.missing_sections == (1, 3, 4)


def test_a_repeated_or_backwards_number_is_body_text() -> None:
    parsed = parse("## 1. A\na\n## 2. B\nb\n## 2. B again\nc\n## 1. A again\nd\n")
    assert numbers(parsed) == [1, 2]
    assert section(parsed, 2) == "b\n## 2. B again\nc\n## 1. A again\nd"


def test_headings_inside_code_are_not_headings() -> None:
    parsed = parse("## 1. A\n```\n## 2. not a heading\nTL;DR: nor this\n```\n")
    assert numbers(parsed) == [1] and parsed.tldr is None
    assert "## 2. not a heading" in section(parsed, 1)


def test_the_answer_is_sanitized_before_it_is_read() -> None:
    answer = (
        "TL;DR: Fine <script>alert(1)</script>work.\n\n"
        "## 1. Contributions\nSee [this](javascript:alert(1)) and ![x](https://t.example/p.gif).\n"
    )
    parsed = parse(answer)
    assert parsed.tldr == "Fine alert(1)work."
    assert section(parsed, 1) == "See this and x."
    assert "<script>" not in parsed.markdown and "javascript:" not in parsed.markdown


def test_empty_and_garbage_answers() -> None:
    for text in ("", "   \n\n", "I cannot summarize this paper.", "```\n```", "<think>only"):
        parsed = parse(text)
        assert parsed.sections == () and parsed.missing_sections == (1, 2, 3, 4)
        assert parsed.tldr is None


def test_strip_model_wrapping() -> None:
    assert strip_model_wrapping("<think>a\nb</think>\n\nanswer") == "answer"
    assert strip_model_wrapping("reasoning...</think>answer") == "answer"
    assert strip_model_wrapping("```markdown\n## 1. A\nx\n```\n") == "## 1. A\nx"
    assert strip_model_wrapping("~~~\n## 1. A\n~~~") == "## 1. A"
    assert strip_model_wrapping("<think>ran out of tokens while thinking") == ""
    # Two code blocks are not one wrapping fence ...
    text = "```\na\n```\ntext\n```\nb\n```"
    assert strip_model_wrapping(text) == text
    # ... but "```markdown" around an answer with code in it is.
    wrapped = "```markdown\n## 1. A\n```python\nx = 1\n```\n```"
    assert strip_model_wrapping(wrapped) == "## 1. A\n```python\nx = 1\n```"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_summary_never_raises_on_any_text(text: str) -> None:
    parsed = parse_summary(text, language="zh")
    assert set(parsed.missing_sections) | set(numbers(parsed)) == {1, 2, 3, 4}
    assert is_safe_markdown(parsed.markdown)


_PIECES = st.sampled_from(
    [
        "\n",
        "## ",
        "### ",
        "**",
        "1. ",
        "2、",
        "(3) ",
        "四、",
        "TL;DR:",
        "一句话总结：",
        "> ",
        "---",
        "```",
        "<think>",
        "</think>",
        "Section 4: ",
        "Results",
        "结论",
        " ",
        "x",
        "`",
        "#",
        "*",
    ]  # fmt: skip
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=5), max_size=40).map("".join))
def test_parse_summary_never_raises_on_heading_like_text(text: str) -> None:
    for language in LANGUAGES:
        parsed = parse_summary(text, language=language)
        assert all(1 <= s.number <= 4 and s.body for s in parsed.sections)
        assert sorted({s.number for s in parsed.sections}) == numbers(parsed)
