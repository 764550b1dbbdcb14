"""`python -m bot demo load`: fill an empty billing database with the sample company's demo accounts."""
from __future__ import annotations

import datetime as dt
import os

from bot.db.session import make_engine
from bot.demo.generator import DEFAULT_SEED, account_no_for, database_is_empty, generate
from bot.demo.scenarios import NAMED_SCENARIOS
from bot.policy import default_policy
from bot.settings import VAR_DIR, Settings


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="demo data")
    sub = parser.add_subparsers(dest="demo_command", required=True)
    load = sub.add_parser("load", help="generate demo accounts into an empty, migrated database")
    load.add_argument("--accounts", type=int, default=2000, help="number of accounts (default 2000)")
    load.add_argument("--seed", type=int, default=DEFAULT_SEED)
    load.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="today's date for the data (YYYY-MM-DD)")
    load.add_argument("--if-empty", action="store_true", help="do nothing when the database already has accounts")
    load.set_defaults(func=_load)
    show = sub.add_parser("accounts", help="list the demo accounts of each named scenario (demo data only)")
    show.set_defaults(func=_accounts)


def _load(args) -> int:
    settings = Settings.from_env()
    if settings.database_url.startswith("sqlite:///") and not os.environ.get("DATABASE_URL"):
        VAR_DIR.mkdir(exist_ok=True)
    engine = make_engine(settings.database_url, timeout_seconds=60)
    if args.if_empty and not database_is_empty(engine):
        print("demo data: database already has accounts, left as it is")
        return 0
    report = generate(engine, default_policy(), args.accounts, seed=args.seed, as_of=args.as_of)
    total = sum(report.rows.values())
    print(
        f"demo data: {report.accounts} accounts, seasons {report.seasons}, as of {report.as_of}, "
        f"{total} rows in {report.seconds:.1f} s"
    )
    for table, count in report.rows.items():
        print(f"  {table:20s} {count:>10d}")
    return 0


def _accounts(args) -> int:
    """For trying the assistant out: which demo 户号 shows which case, and the phone digits that verify it.
    Demo data is made up; never point this at a real ledger."""
    from sqlalchemy import select

    from bot.db.models import Account, Customer
    from bot.db.session import open_session

    engine = make_engine(Settings.from_env().database_url)
    numbers = [account_no_for(i) for i in range(len(NAMED_SCENARIOS))]
    with open_session(engine) as session:
        phones = dict(
            session.execute(
                select(Account.account_no, Customer.phone)
                .join(Customer, Account.customer_id == Customer.id)
                .where(Account.account_no.in_(numbers))
            ).all()
        )
    print("户号        手机后4位  场景")
    for number, scenario in zip(numbers, NAMED_SCENARIOS):
        phone = phones.get(number)
        last4 = phone[-4:] if phone and len(phone) == 11 else "—"
        print(f"{number}  {last4:8s}  {scenario.code}: {scenario.description}")
    return 0
