"""policyrules: safeguarding training procedures as executable, checkable policy."""

from .decision import Decision as Decision
from .decision import Eligibility as Eligibility
from .decision import Finding as Finding
from .diagnostics import Diagnostic as Diagnostic
from .errors import PolicyCheckError as PolicyCheckError
from .errors import PolicyError as PolicyError
from .errors import PolicyFileError as PolicyFileError
from .errors import PolicySyntaxError as PolicySyntaxError
from .errors import UnknownTrainingError as UnknownTrainingError
from .errors import UsageError as UsageError
from .errors import WorkerError as WorkerError
from .policy import Policy as Policy
from .policy import load as load
from .workers import RoleAssignment as RoleAssignment
from .workers import TrainingRecord as TrainingRecord
from .workers import Worker as Worker

__version__ = "0.1.0"

__all__ = [
    "Decision",
    "Diagnostic",
    "Eligibility",
    "Finding",
    "Policy",
    "PolicyCheckError",
    "PolicyError",
    "PolicyFileError",
    "PolicySyntaxError",
    "RoleAssignment",
    "TrainingRecord",
    "UnknownTrainingError",
    "UsageError",
    "Worker",
    "WorkerError",
    "__version__",
    "load",
]
