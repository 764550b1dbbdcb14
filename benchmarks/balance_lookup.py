"""Benchmark of the balance lookup service (bot.services.accounts.balance) on a demo SQLite database.

    python benchmarks/balance_lookup.py [--accounts 2000] [--calls 1000] [--db PATH]

Builds a fresh, migrated SQLite file with the deterministic demo data (unless --db names an existing one), then
times `balance()` for accounts drawn at random (fixed seed), each call a full unit of work: its own Session, the
queries, the billing engine and the audit row it commits. Prints the median and 95th percentile. Not a test.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db import migrate  # noqa: E402
from bot.db.session import make_engine  # noqa: E402
from bot.demo.generator import account_no_for, generate  # noqa: E402
from bot.policy import default_policy  # noqa: E402
from bot.services import accounts  # noqa: E402
from bot.services.audit import RequestContext  # noqa: E402

AS_OF = dt.date(2026, 11, 26)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--db", help="existing demo SQLite file (default: a new one in a temp dir)")
    parser.add_argument("--profile", action="store_true", help="also print where the time goes (cProfile, top 15)")
    args = parser.parse_args()

    policy = default_policy()
    if args.db:
        url = f"sqlite:///{args.db}"
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        migrate.upgrade(url)
        started = time.perf_counter()
        generate(make_engine(url), policy, accounts=args.accounts, as_of=AS_OF)
        print(f"demo data: {args.accounts} accounts in {time.perf_counter() - started:.1f} s ({url})")
    engine = make_engine(url)
    context = RequestContext("benchmark", "bench")
    rng = random.Random(1)
    numbers = [account_no_for(rng.randrange(args.accounts)) for _ in range(args.warmup + args.calls)]

    timings = []
    for index, account_no in enumerate(numbers):
        started = time.perf_counter()
        report = accounts.balance(engine, policy, account_no, AS_OF, context)
        elapsed = time.perf_counter() - started
        assert report is not None, account_no
        if index >= args.warmup:
            timings.append(elapsed * 1000)

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for account_no in numbers[: min(200, len(numbers))]:
            accounts.balance(engine, policy, account_no, AS_OF, context)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)

    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    print(f"balance lookup, {len(timings)} calls on {args.accounts} accounts (SQLite, audit row committed each call):")
    print(f"  median {statistics.median(timings):.2f} ms   p95 {p95:.2f} ms   max {timings[-1]:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
