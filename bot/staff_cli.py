"""`python -m bot staff hash-password`: make a STAFF_USERS entry without the password ever being stored."""
from __future__ import annotations

import getpass
import sys

from bot.services.staff_auth import hash_password


def register(subparsers) -> None:
    parser = subparsers.add_parser("staff", help="staff console accounts")
    sub = parser.add_subparsers(dest="staff_command", required=True)
    make = sub.add_parser("hash-password", help="print a name:hash entry for STAFF_USERS")
    make.add_argument("name")
    make.set_defaults(func=_hash)


def _hash(args) -> int:
    password = getpass.getpass("密码 / password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("password must have at least 8 characters", file=sys.stderr)
        return 1
    print(f"{args.name}:{hash_password(password)}")
    return 0
