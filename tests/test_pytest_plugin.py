"""The pytest plugin: examples in .policy files become test items."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).parent / "fixtures"


def test_examples_are_collected_and_pass(pytester: pytest.Pytester) -> None:
    pytester.makefile(".policy", features=(FIXTURES / "features.policy").read_text())
    result = pytester.runpytest("-v", "features.policy")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*features.policy::a new starter is due until six months*"
                                 "PASSED*"])


def test_a_failing_example_shows_expected_and_actual(pytester: pytest.Pytester) -> None:
    text = (FIXTURES / "features.policy").read_text().replace(
        "expect induction due deadline 2026-07-10", "expect induction met")
    pytester.makefile(".policy", broken=text)
    result = pytester.runpytest("broken.policy")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([
        '*broken.policy:*: example "a new starter is due until six months have passed" failed',
        "*expect induction met",
        "*expected: induction met",
        "*actual:   induction due",
    ])


def test_a_policy_that_does_not_check_is_one_failure(pytester: pytest.Pytester) -> None:
    pytester.makefile(".policy", bad='policy bad\n  title "B"\nrequirement r "R"\n'
                      "  satisfied by nothing\n")
    result = pytester.runpytest("bad.policy")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*bad.policy:4:16: error: unknown training `nothing`*"])


def test_the_policy_fixture_loads_the_marked_file(pytester: pytest.Pytester) -> None:
    target = FIXTURES / "features.policy"
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.policy({str(target)!r})
        def test_it(policy, load_policy):
            assert policy.id == "features"
            assert load_policy({str(target)!r}) is policy

        def test_without_marker(policy):
            pass
        """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*needs @pytest.mark.policy*"])


def test_the_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makefile(".policy", features=(FIXTURES / "features.policy").read_text())
    result = pytester.runpytest("-p", "no:policyrules")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert pytester.runpytest().ret == pytest.ExitCode.OK
