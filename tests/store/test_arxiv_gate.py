"""The store's arXiv gate keeps the interval among processes, on SQLite and PostgreSQL.

Two real processes share a store and each sends three requests, as fast as its own gate
allows, to a local server that records when each request arrived and when its reply was
sent. Through the store's gate no request starts before the interval has passed since the
previous one, of either process, ended; without it (the control) the two processes' requests
overlap.
"""

from __future__ import annotations

import subprocess
import sys
import time

from arxiv_radar.store import Store

from replay_server import ReplayServer, Reply

INTERVAL = 0.4
SCRIPT = """
import sys, time
from arxiv_radar.arxiv.http import NO_SHARED_GATE, ArxivClient
from arxiv_radar.store import Store

url, db, shared, start = sys.argv[1:5]
with Store.open(db) as store:
    gate = store.arxiv_gate() if shared == "yes" else NO_SHARED_GATE
    with ArxivClient(min_interval=float(sys.argv[5]), shared=gate) as client:
        time.sleep(max(0.0, float(start) - time.time()))  # both begin at the same moment
        for _ in range(3):
            client.get(url).raise_for_status()
"""


def two_processes(db: str, url: str, shared: str) -> None:
    start = str(time.time() + 5)  # after both have started, even on a busy machine
    processes = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, url, db, shared, start, str(INTERVAL)])
        for _ in range(2)
    ]
    for process in processes:
        assert process.wait(timeout=60) == 0


def gaps(replay: ReplayServer) -> list[float]:
    requests = sorted(replay.requests, key=lambda request: request.started)
    assert len(requests) == 6
    return [
        later.started - (earlier.finished or earlier.started)
        for earlier, later in zip(requests, requests[1:], strict=False)
    ]


def test_processes_sharing_a_store_keep_the_interval_among_them(db_url: str) -> None:
    Store.open(db_url).close()  # created and migrated before both start
    with ReplayServer() as replay:
        replay.add("/listing", *[Reply(body=b"ok")] * 12)
        two_processes(db_url, replay.url("/listing"), "yes")
        assert min(gaps(replay)) >= INTERVAL - 0.01
        replay.requests.clear()
        two_processes(db_url, replay.url("/listing"), "no")  # the control: each its own gate
        assert min(gaps(replay)) < INTERVAL / 2
    with Store.open(db_url) as store, store._transaction("testing") as conn:
        from arxiv_radar.store.tables import arxiv_gate

        assert [row.name for row in conn.execute(arxiv_gate.select())] == ["arxiv"]
