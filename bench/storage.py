"""Stored bytes per AWS run, and what an identical run adds (SQLite, or DATABASE_URL).

Through the real stack (a Celery worker computes the runs): three fresh AWS runs with
different seeds (three frame streams), then three identical to the first (they adopt
its stream). Bytes are the database's own: SQLite pages in use (page_count − freelist,
× page_size) or PostgreSQL's `pg_total_relation_size` over the runs tables, measured
before and after each run.
"""

from __future__ import annotations

import os
import time

from _runs_stack import AWS, finished, http_json, start


def stored_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA freelist_count")
            pages -= cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return pages * cursor.fetchone()[0]
        cursor.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "WHERE c.relkind = 'r' AND c.relname LIKE 'replays_%%'"
        )
        return int(cursor.fetchone()[0])


def main() -> None:
    stack, base = start(concurrency=1)
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")
        import django

        django.setup()
        from django.db import connection

        rows = []
        for label, seed in [("seed 1", 1), ("seed 2", 2), ("seed 3", 3)] + [
            ("identical to seed 1", 1)
        ] * 3:
            before = stored_bytes()
            started = time.monotonic()
            run = finished(
                base, http_json(f"{base}/api/runs/", {"scenario": AWS, "seed": seed, "fresh": True})
            )
            rows.append(
                (label, stored_bytes() - before, time.monotonic() - started, run["frames_total"])
            )
        print(f"stored bytes per AWS run on {connection.vendor} ({rows[0][3]} frames)")
        for label, size, wall, _ in rows:
            print(f"  {label:22} {size / 1e6:6.2f} MB  (done in {wall:5.1f} s)")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
