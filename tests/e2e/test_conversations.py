"""The conversation corpus (tests/conversations/corpus.yml) played against the real servers, and scored.

Prints the per-class report and the failing conversations (run pytest with -s to see it), and asserts that the
share of fully correct conversations does not fall below FLOOR. The corpus describes what a good assistant
should do; FLOOR is raised to the measured level as the assistant improves, so it only ever guards against
going backwards.
"""
from __future__ import annotations

import pytest

from tests.evaluation.conversations import run_corpus

pytestmark = pytest.mark.e2e

# Share of conversations that must be fully correct (every turn). Measured 2026-12-02 on the final model of
# issue 8: 164/169 (97.0 %; before issue 8: 63/169, 37.3 %); retrains during the issue gave 160–164. A retrain moves it by a few conversations.
FLOOR = 0.90


def test_conversation_corpus(servers):
    report = run_corpus(servers["rasa"])
    print()
    print(report.format())
    # A request that failed counts as a failing conversation; only a server that never answered is an error here.
    assert not all(c.error for c in report.conversations), report.conversations[0].error
    assert report.fully_correct_rate >= FLOOR, (
        f"{report.fully_correct}/{report.total} conversations fully correct "
        f"({report.fully_correct_rate:.1%}), below the floor {FLOOR:.1%}"
    )
