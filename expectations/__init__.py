"""Great Expectations suites as code and one runner that returns plain results.

Dagster code never touches GX objects: it calls :func:`expectations.runner.validate` and gets a
:class:`expectations.runner.ValidationOutcome` back.

Each suite module declares its table's gate (``GATE``, an :class:`expectations.runner.TableSuite`)
beside its suite; :data:`TABLE_SUITES` lists them for orchestration/checks.py.
"""

from expectations import cftc, estimates, fred, french

TABLE_SUITES = (fred.GATE, cftc.GATE, french.GATE, estimates.GATE, estimates.SHARES_GATE)
