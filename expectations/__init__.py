"""Great Expectations suites as code and one runner that returns plain results.

Dagster code never touches GX objects: it calls :func:`expectations.runner.validate` and gets a
:class:`expectations.runner.ValidationOutcome` back.
"""
