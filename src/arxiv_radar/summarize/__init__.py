"""Summaries of ranked papers: LLM clients, prompts, parsing and the offline fallback."""
