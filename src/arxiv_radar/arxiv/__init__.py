"""Everything that speaks to arXiv: the polite HTTP client, feed and API parsers."""
