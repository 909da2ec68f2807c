"""Every example in the docs runs: policy blocks check, Python blocks execute."""

import datetime
import re
from pathlib import Path

import pytest

import policyrules
from policyrules.examples import run_examples
from policyrules.policy import build

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)


def blocks(name: str, lang: str) -> list[str]:
    path = DOCS.parent / name if name == "README.md" else DOCS / name
    return [body for kind, body in FENCE.findall(path.read_text()) if kind == lang]


def test_language_reference_opening_example_checks_and_its_example_passes() -> None:
    text = FENCE.findall((DOCS / "language.md").read_text())[0][1]
    policy, _ = build(text, "language.md")
    assert [r.passed for r in run_examples(policy)] == [True]


def test_tutorial_policies_check_and_examples_pass() -> None:
    header, whole, *_ = blocks("tutorial.md", "policy")
    build(header, "header.policy")
    policy, warnings = build(whole, "supervision.policy")
    assert warnings == ()
    results = run_examples(policy)
    assert len(results) == 3 and all(r.passed for r in results)


def test_tutorial_hours_framework_checks_at_every_step_and_its_examples_pass() -> None:
    steps = blocks("tutorial.md", "policy")[2:]
    assert len(steps) == 7
    text = ""
    for step in steps:  # each step's file: the steps so far, one after another
        text += "\n" + step
        policy, warnings = build(text, "levels.policy")
    assert warnings == ()
    results = run_examples(policy)
    assert len(results) == 4 and all(r.passed for r in results)
    # The explanations quoted after the last step are those the policy gives.
    quoted = (DOCS / "tutorial.md").read_text().split("for the two Level 3 targets:\n\n```\n")[1]
    nurse = next(r.example.worker for r in results if r.example.worker["id"] == "nurse-1")
    decision = policy.evaluate(nurse, as_of=datetime.date(2026, 8, 1))
    assert quoted.split("```")[0].splitlines() == [
        decision.finding(req).explanation  # type: ignore[union-attr]
        for req in ("level-3-first-year", "level-3-rolling")]


def test_tutorial_error_message_is_the_real_one() -> None:
    whole = blocks("tutorial.md", "policy")[1]
    broken = whole.replace("satisfied by supervision-skills", "satisfied by supervison-skills")
    with pytest.raises(policyrules.PolicyCheckError) as info:
        build(broken, "supervision.policy")
    shown = (DOCS / "tutorial.md").read_text().split("run `check`:\n\n```\n")[1].split("```")[0]
    assert info.value.diagnostics[0].render() + "\n" == shown


@pytest.mark.parametrize("doc", ["tutorial.md", "api.md", "records.md", "cluster.md",
                                 "README.md"])
def test_python_blocks_run(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "supervision.policy").write_text(blocks("tutorial.md", "policy")[1])
    root = DOCS.parent
    for sub in ("policies", "tests"):
        (tmp_path / sub).symlink_to(root / sub)
    monkeypatch.chdir(tmp_path)
    for code in blocks(doc, "python"):
        exec(compile(code, doc, "exec"), {})  # our own documentation, not policy text


def test_the_reference_lists_exactly_the_reserved_words() -> None:
    from policyrules.language.syntax_errors import keyword_table

    text = (DOCS / "language.md").read_text().split("Reserved words:")[1].split("\n\n")[0]
    assert set(re.findall(r"[a-z-]+", text)) == set(keyword_table().values())
