"""`python -m bot policy check`: validate knowledge/policy.yml and print its key figures."""
from __future__ import annotations

from bot.policy import POLICY_FILE, load_policy


def register(subparsers) -> None:
    parser = subparsers.add_parser("policy", help="tariff / policy file")
    sub = parser.add_subparsers(dest="policy_command", required=True)
    check = sub.add_parser("check", help="validate the policy file")
    check.add_argument("--file", default=str(POLICY_FILE))
    check.set_defaults(func=_check)


def _check(args) -> int:
    policy = load_policy(args.file)
    tariff = policy.area_tariff
    print(
        f"OK {args.file}: 居民 {tariff.residential_price} 元/m², 非居民 {tariff.non_residential_price} 元/m², "
        f"采暖季 {policy.season.start.zh()}–{policy.season.end.zh()}, 缴费截止 {policy.season.payment_deadline.zh()}"
    )
    return 0
