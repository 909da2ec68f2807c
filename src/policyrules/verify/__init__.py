"""Prove a policy consistent: six properties, checked with hypothesis and, where the input
space is finite, exhaustively (`policyrules verify POLICY`; docs/testing.md).

1. determinism: the same worker and date give the same decision; record order, unrelated
   records and other workers evaluated in between change nothing;
2. monotonic in records: adding a completed training never turns a met finding unmet;
3. monotonic in time: without new records an overdue finding stays overdue, and a met
   finding with no renewal period stays met, as the date moves on;
4. honest statuses: `compliant` exactly when nothing is overdue, each status agrees with
   its `due` date and its evidence, no `due` date before the relevant start, every cite is
   a paragraph of the source or a declared `local:` id;
5. achievable: for every worker a training history that respects the prerequisites makes
   the worker fully compliant (it is constructed and evaluated);
6. eligibility agrees with the prerequisites (`Policy.eligible`).

Which requirements apply depends only on a finite profile: contact level × roles held
(only those the policy mentions) × sector × volunteer (where the policy reads them).
Properties 4 and 5 are also proved for every profile, at every deadline and the day after.

`verify` can be pointed at another evaluator or eligibility function (`evaluate=`,
`eligible=`): that is how the tests show that it catches a broken engine.

The package, in the order a run goes:

    run.py         `verify`: set up, prove over every profile, check, report
    exhaustive.py  the profile space (profiles.py) and properties 4 and 5 for every profile
    properties.py  the six properties on generated workers (hypothesis)
    oracles.py     what properties 4 and 5 hold a decision to (shared by the two above)
    context.py     the run every check shares, and the failure a check raises
    views.py       decisions and records described in words, for counterexamples
    report.py      the results and the report as text
"""

from ..semantics.profiles import Profile as Profile
from ..semantics.profiles import mentioned_roles as mentioned_roles
from .context import DAY as DAY
from .context import EligibleFn as EligibleFn
from .context import Evaluator as Evaluator
from .exhaustive import profiles as profiles
from .report import PROPERTIES as PROPERTIES
from .report import Counterexample as Counterexample
from .report import PropertyResult as PropertyResult
from .report import Report as Report
from .run import DEFAULT_MAX_EXAMPLES as DEFAULT_MAX_EXAMPLES
from .run import verify as verify
from .views import DecisionView as DecisionView
from .views import FindingView as FindingView

__all__ = [
    "PROPERTIES",
    "Counterexample",
    "Profile",
    "PropertyResult",
    "Report",
    "profiles",
    "verify",
]
