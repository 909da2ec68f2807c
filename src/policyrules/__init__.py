"""policyrules: safeguarding training procedures as executable, checkable policy."""

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__
from .contract.decision import Decision as Decision
from .contract.decision import Eligibility as Eligibility
from .contract.decision import Finding as Finding
from .contract.log import DecisionLog as DecisionLog
from .contract.workers import RoleAssignment as RoleAssignment
from .contract.workers import TrainingRecord as TrainingRecord
from .contract.workers import Worker as Worker
from .diagnostics import Diagnostic as Diagnostic
from .diff import diff as diff
from .errors import DateRangeError as DateRangeError
from .errors import PolicyCheckError as PolicyCheckError
from .errors import PolicyError as PolicyError
from .errors import PolicyFileError as PolicyFileError
from .errors import PolicySyntaxError as PolicySyntaxError
from .errors import UnknownTrainingError as UnknownTrainingError
from .errors import UsageError as UsageError
from .errors import WorkerError as WorkerError
from .policy import Policy as Policy
from .policy import load as load
from .policy import loads as loads

if TYPE_CHECKING:
    from .reports.build import build_report as build_report
    from .reports.model import Report as Report

# Names whose modules are imported on first use: a program that only evaluates (and the
# CLI's start-up) should not pay for building reports. (`diff` stays eager: importing the
# subpackage `policyrules.diff` would set the attribute `diff` to the module.)
_LAZY = {"Report": "reports.model", "build_report": "reports.build"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'policyrules' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value

__all__ = [
    "DateRangeError",
    "Decision",
    "DecisionLog",
    "Diagnostic",
    "Eligibility",
    "Finding",
    "Policy",
    "PolicyCheckError",
    "PolicyError",
    "PolicyFileError",
    "PolicySyntaxError",
    "Report",
    "RoleAssignment",
    "TrainingRecord",
    "UnknownTrainingError",
    "UsageError",
    "Worker",
    "WorkerError",
    "__version__",
    "build_report",
    "diff",
    "load",
    "loads",
]
