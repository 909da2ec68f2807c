"""policyrules: safeguarding training procedures as executable, checkable policy."""

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
from .reports.build import build_report as build_report
from .reports.model import Report as Report

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
