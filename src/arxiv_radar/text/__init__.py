"""Untrusted-text safety and arXiv links, used by every renderer, the prompts and the API.

- :mod:`~arxiv_radar.text.plain`: text from arXiv or an LLM as plain text (one line or many);
- :mod:`~arxiv_radar.text.sanitize`: Markdown from a model made safe, and rendered to safe HTML
  (its one cleaning pass over the text outside code is :mod:`~arxiv_radar.text.inline`);
- :mod:`~arxiv_radar.text.tex`: where the TeX math is in text and in Markdown;
- :mod:`~arxiv_radar.text.links`: the links to arXiv's pages of a paper or a category.
"""
