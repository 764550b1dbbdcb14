"""`python -m bot kb …`: check, build, search and count the knowledge base.

    python -m bot kb check              validate knowledge/ (exit 1 and list the problems)
    python -m bot kb build [--check]    write the generated Rasa files (--check: exit 1 if they are stale)
    python -m bot kb search "问题"       the best passages (articles and topics) with their citations
    python -m bot kb stats              topics, paraphrases, out-of-scope examples, per-file counts
    python -m bot kb evaluate [--model PATH]   held-out questions through the trained model: top-1 accuracy,
                                        out-of-scope recall, confusions (exit 1 below --min-accuracy/--min-oos-recall)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import KNOWLEDGE_DIR, PROJECT_DIR


def register(subparsers) -> None:
    parser = subparsers.add_parser("kb", help="政策知识库: check, build, search, stats")
    sub = parser.add_subparsers(dest="kb_command", required=True)

    check = sub.add_parser("check", help="validate knowledge/ (documents, FAQ, out-of-scope)")
    check.add_argument("--dir", default=str(KNOWLEDGE_DIR), help="knowledge directory (default: %(default)s)")
    check.add_argument("--policy", default=None, help="policy file (default: knowledge/policy.yml)")
    check.set_defaults(func=_check)

    build = sub.add_parser("build", help="generate data/nlu/faq.generated.yml and domain/faq.generated.yml")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if the files are stale")
    build.add_argument("--dir", default=str(KNOWLEDGE_DIR), help="knowledge directory (default: %(default)s)")
    build.add_argument("--project-dir", default=str(PROJECT_DIR), help=argparse.SUPPRESS)
    build.add_argument("--policy", default=None, help="policy file (default: knowledge/policy.yml)")
    build.set_defaults(func=_build)

    search = sub.add_parser("search", help="BM25 search over articles and FAQ topics")
    search.add_argument("query", help="the customer's question")
    search.add_argument("-k", type=int, default=3, help="number of passages (default: %(default)s)")
    search.set_defaults(func=_search)

    stats = sub.add_parser("stats", help="count topics, paraphrases and examples")
    stats.add_argument("--dir", default=str(KNOWLEDGE_DIR), help="knowledge directory (default: %(default)s)")
    stats.set_defaults(func=_stats)

    evaluate = sub.add_parser("evaluate", help="run the trained model on the held-out questions")
    evaluate.add_argument("--model", default=None, help="model archive (default: the latest in models/)")
    evaluate.add_argument("--questions", default=None, help="held-out file (default: tests/data/heldout_questions.yml)")
    evaluate.add_argument("--min-accuracy", type=float, default=None, help="exit 1 if top-1 accuracy is lower (0–1)")
    evaluate.add_argument("--min-oos-recall", type=float, default=None, help="exit 1 if OOS recall is lower (0–1)")
    evaluate.set_defaults(func=_evaluate)


def _policy(args):
    from bot.policy import default_policy, load_policy

    return load_policy(args.policy) if getattr(args, "policy", None) else default_policy()


def _check(args) -> int:
    from bot.knowledge.check import check_knowledge_base

    problems = check_knowledge_base(args.dir, _policy(args))
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) in {args.dir}", file=sys.stderr)
        return 1
    print(f"OK {args.dir}: no problems")
    return 0


def _build(args) -> int:
    from bot.knowledge.check import check_knowledge_base
    from bot.knowledge.export import build

    policy = _policy(args)
    problems = check_knowledge_base(args.dir, policy)
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s): fix them (python -m bot kb check) before building", file=sys.stderr)
        return 1
    result = build(check_only=args.check, project_dir=args.project_dir, knowledge_dir=args.dir, policy=policy)
    if args.check:
        if result.stale:
            for rel in result.stale:
                print(f"stale: {rel}")
            print("generated files are stale: run python -m bot kb build", file=sys.stderr)
            return 1
        print("generated files are up to date")
        return 0
    for rel in result.written:
        print(f"wrote {rel}")
    if not result.written:
        print("generated files are up to date")
    return 0


def _search(args) -> int:
    from bot.knowledge.search import search

    hits = search(args.query, k=args.k)
    if not hits:
        print("no passage found")
        return 0
    for rank, hit in enumerate(hits, 1):
        label = f"问答 {hit.id}" if hit.kind == "topic" else f"条文 {hit.id}"
        print(f"{rank}. [{hit.score:.2f}] {hit.citation} {hit.title}  ({label})")
        print(f"   {hit.text}")
    return 0


def _stats(args) -> int:
    from bot.knowledge.loader import load_knowledge_base

    kb = load_knowledge_base(Path(args.dir))
    paraphrases = sum(len(t.examples) for t in kb.topics)
    articles = sum(len(d.articles) for d in kb.documents)
    print(f"topics: {len(kb.topics)}")
    print(f"paraphrases: {paraphrases}")
    print(f"out-of-scope examples: {len(kb.out_of_scope)}")
    print(f"documents: {len(kb.documents)} ({articles} articles)")
    print("per file:")
    for file, topics in sorted(kb.topics_by_file().items()):
        print(f"  {file}: {len(topics)} topics, {sum(len(t.examples) for t in topics)} paraphrases")
    for doc in sorted(kb.documents, key=lambda d: d.file):
        print(f"  {doc.file}: {len(doc.articles)} articles")
    print(f"  {kb.out_of_scope_file}: {len(kb.out_of_scope)} examples")
    return 0


def _evaluate(args) -> int:
    from bot.knowledge.evaluate import HELDOUT_FILE, evaluate, format_report, latest_model, load_questions, model_parser

    model = Path(args.model) if args.model else latest_model()
    if model is None:
        print("no trained model in models/: run python -m bot train", file=sys.stderr)
        return 1
    questions = load_questions(Path(args.questions) if args.questions else HELDOUT_FILE)
    result = evaluate(model_parser(model), questions)
    print(format_report(result, model))
    failed = (args.min_accuracy is not None and result.top1_accuracy < args.min_accuracy) or (
        args.min_oos_recall is not None and result.oos_recall < args.min_oos_recall)
    return 1 if failed else 0
