"""``python -m arxiv_radar.store.migrations revision -m "add scores"`` drafts a revision."""

from arxiv_radar.store.migrate import main

main()
