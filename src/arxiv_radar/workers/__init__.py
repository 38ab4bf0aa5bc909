"""Workers: summaries made by ``arxiv-radar worker`` processes, on one machine or many.

With ``[workers] broker = "redis://..."`` the daily run fetches and ranks as ever, then hands
each paper to summarize to the workers through a Celery queue on Redis
(:mod:`arxiv_radar.summarize.remote`), waits for the summaries to appear in the store, and
reports as it does in process. A worker (:mod:`arxiv_radar.workers.tasks`) summarizes one
paper version per task with the same code a run uses, and writes it to the store: the store
holds every result, and the broker nothing that matters (a lost message is sent again by the
next run). See docs/workers.md.
"""
