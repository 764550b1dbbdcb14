"""`python -m tests.evaluation heldout|conversations …`: the issue-8 measurements, printed per class.

heldout        the frozen held-out set v2 through a trained model (in process; BOT_TODAY = its reference date)
conversations  the conversation corpus over the REST channel of running servers (see conversations.py)
"""
from __future__ import annotations

import argparse
import json
import os
import sys


def _heldout(args) -> int:
    from bot.knowledge.evaluate import model_parser
    from tests.evaluation.heldout import evaluate, load_items

    reference, items = load_items(args.file) if args.file else load_items()
    os.environ["BOT_TODAY"] = reference.isoformat()  # relative dates in the set are said on this day
    report = evaluate(model_parser(args.model), items)
    print(report.render())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report.as_dict(), out, ensure_ascii=False, indent=1)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.evaluation")
    sub = parser.add_subparsers(dest="command", required=True)
    heldout = sub.add_parser("heldout", help="frozen held-out set v2, per class")
    heldout.add_argument("--model", default=None, help="model archive (default: latest in models/)")
    heldout.add_argument("--json", default=None)
    heldout.add_argument("--file", default=None,
                         help="another set in the same format (e.g. tests/data/dev_understanding.yml, for tuning)")
    heldout.set_defaults(func=_heldout)
    try:
        from tests.evaluation import conversations
    except ImportError:
        conversations = None
    if conversations is not None and hasattr(conversations, "register"):
        conversations.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
