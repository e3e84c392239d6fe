"""Root of the test suite: the shared harness and each service's fixtures (see tests/harness.py)."""

pytest_plugins = [
    "tests.harness",
    "services.catalogue.tests.fixtures",
    "services.applications.tests.fixtures",
    "services.eligibility.tests.fixtures",
    "services.budget.tests.fixtures",
]
