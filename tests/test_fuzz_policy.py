"""Fuzzing over policy text: whatever the text, loading it ends in a policy or a PolicyError.

Arbitrary text, and real policies mutated token by token (deleted, duplicated, moved in
from elsewhere) and character by character, go through the whole pipeline (parse,
assemble, check, lower, compile), one evaluation and `fmt`. Nothing may escape but a
PolicyError: no RecursionError, ValueError, SyntaxError from generated code, or hang.
The budget is small so that it runs in seconds; the settings below inherit the profile
loaded in conftest.py (hypothesis's "ci" profile on CI), changing only the example count.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules import PolicyError
from policyrules.language.format import format_text
from policyrules.policy import build

ROOT = Path(__file__).resolve().parent.parent
# A local policy too, at its own path, so that its `extends` finds the real base.
FILES = [ROOT / "tests" / "fixtures" / "features.policy",
         ROOT / "policies" / "local" / "pan_lancashire_3yr.policy"]
CORPUS = [path.read_text() for path in FILES]
# White space is kept as pieces of its own, so that joining the pieces gives the text back.
_PIECE = re.compile(r'\s+|"(?:[^"\\\n]|\\.)*"|#[^\n]*|[A-Za-z_][\w-]*|[\d][\w.:-]*|\S')
PIECES = [re.findall(_PIECE.pattern, text) for text in CORPUS]
TOKENS = sorted({p for pieces in PIECES for p in pieces if not p.isspace()})
# Not where any real policy is: an `extends` in fuzzed text resolves to nothing real.
PATH = "/nonexistent-policyrules-fuzz/fuzz.policy"
WORKER = {"id": "W1", "started": "2024-01-01", "contact": "regular", "roles": ["trainer"],
          "training": [{"training": "induction-course", "completed": "2024-02-01"}]}
AS_OF = datetime.date(2026, 11, 22)
AWKWARD = st.sampled_from(["\r", "\n", "\x00", "\x0b", "\u2028", "\ufeff", "(", ")", '"',
                           "#", "\\", "-", ".", ":", " not", " (", "é"])
BUDGET = settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])


def loads_or_refuses(text: str, path: str = PATH) -> bool:
    """True when `text` loaded as a policy; fails the test on any other exception."""
    try:
        policy, _ = build(text, path)
    except PolicyError:
        loaded = False
    else:
        loaded = True
        # The worker may not fit this policy's roles or catalogue: that is a PolicyError.
        with contextlib.suppress(PolicyError):
            policy.evaluate(WORKER, as_of=AS_OF)
    try:
        formatted = format_text(text, path)
    except PolicyError:
        return loaded
    assert format_text(formatted, path) == formatted
    return loaded


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    which = draw(st.integers(0, len(FILES) - 1))
    pieces = list(PIECES[which])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(pieces) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "character"]))
        if action == "delete":
            del pieces[at]
        elif action == "duplicate":
            pieces.insert(at, pieces[at])
        elif action == "insert":
            pieces.insert(at, " " + draw(st.sampled_from(TOKENS)) + " ")
        else:
            piece = pieces[at]
            cut = draw(st.integers(0, len(piece)))
            ch = draw(AWKWARD | st.characters())
            pieces[at] = piece[:cut] + ch + piece[cut:]
    return "".join(pieces), str(FILES[which])


@BUDGET
@given(st.text(max_size=400))
def test_arbitrary_text_loads_or_is_a_policy_error(text: str) -> None:
    loads_or_refuses(text)


@BUDGET
@given(st.lists(st.sampled_from(TOKENS) | AWKWARD, max_size=80).map(" ".join))
def test_policy_words_in_any_order_load_or_are_a_policy_error(text: str) -> None:
    loads_or_refuses("policy fuzz title \"F\" source \"S\" paragraphs 1.1 to 1.10\n" + text)


@settings(BUDGET, max_examples=60)
@given(mutated())
def test_mutated_policies_load_or_are_a_policy_error(case: tuple[str, str]) -> None:
    text, path = case
    loads_or_refuses(text, path)


def test_the_corpus_loads_unmutated() -> None:
    # Otherwise the mutations above would only ever start from a broken policy.
    for pieces, text, path in zip(PIECES, CORPUS, FILES, strict=True):
        assert "".join(pieces) == text
        assert loads_or_refuses(text, str(path))
