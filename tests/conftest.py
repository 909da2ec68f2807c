import datetime
from pathlib import Path

import pytest

import policyrules

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Fixture policies are loaded by the tests that need them (several are broken on purpose),
# not collected as example files.
collect_ignore_glob = ["fixtures/*"]

AS_OF = datetime.date(2026, 11, 22)


@pytest.fixture(scope="session")
def features() -> policyrules.Policy:
    """The small policy that exercises every language feature."""
    return policyrules.load(FIXTURES / "features.policy")
