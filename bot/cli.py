"""`python -m bot …`: the staff and operations command line.

Each area registers its own sub-commands (`register(subparsers)`), so this file only wires them together.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# Modules that contribute sub-commands; each has `register(subparsers)` and sets `func` on its parsers.
COMMAND_MODULES = (
    "bot.db.cli",
    "bot.demo.cli",
    "bot.policy_cli",
    "bot.knowledge.cli",
    "bot.training",
    "bot.staff_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="热力客服助手 staff and operations tools")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # staff get one clear line, not a traceback; --debug shows it
        if getattr(args, "debug", False):
            raise
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
