"""CSV import benchmark: a 100,000-row file into a new list — time and peak memory.

Target: under 5 s. Peak memory is the process's peak RSS growth during the import (and
tracemalloc's peak of Python allocations).

    python bench/import_csv.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    from sesdesk.models import Store
    from sesdesk.services import contacts
    from sesdesk.services.teams import create_team

    home = Path(tempfile.mkdtemp(prefix="sesdesk-bench-import-"))
    path = home / "contacts.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write("Email,First name,Company\r\n")
        for i in range(args.rows):
            # Some rows need Excel quoting; 1 % duplicates (other case); 0.5 % malformed.
            if i % 200 == 7:
                handle.write(f'broken-{i},"Name {i}","Co, Ltd"\r\n')
            elif i % 100 == 3:
                handle.write(f'USER{i - 1}@EXAMPLE.COM,"Dup {i}",Acme\r\n')
            else:
                handle.write(f'user{i}@example.com,"Ärzte ""{i}""","Co, Ltd"\r\n')
    size_mb = path.stat().st_size / 1_048_576

    with Store.open(home / "sesdesk.db") as store:
        team = create_team(store, "bench")
        rss_before = _rss_mb()
        tracemalloc.start()
        started = time.perf_counter()
        result = contacts.import_csv(store, team.id, "customers", path)
        elapsed = time.perf_counter() - started
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = _rss_mb()
        # tracemalloc slows Python down: time a second import without it.
        started = time.perf_counter()
        contacts.import_csv(store, team.id, "customers-2", path)
        untraced = time.perf_counter() - started

    print(f"file: {args.rows} rows, {size_mb:.1f} MB")
    print(
        f"imported {result.imported}, duplicates {result.duplicates}, "
        f"rejected {len(result.rejected)}"
    )
    print(f"time: {untraced:.2f} s (with tracemalloc on: {elapsed:.2f} s)  [target < 5 s]")
    print(
        f"peak memory: Python allocations {traced_peak / 1_048_576:.1f} MB; "
        f"process peak RSS {rss_after:.0f} MB (+{rss_after - rss_before:.0f} MB during import)"
    )
    return 0 if untraced < 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
