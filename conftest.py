"""Root of the test suite: the shared harness and each service's fixtures (see shared/testing.py)."""

pytest_plugins = [
    "shared.testing",
    "services.catalogue.tests.fixtures",
    "services.applications.tests.fixtures",
    "services.eligibility.tests.fixtures",
    "services.budget.tests.fixtures",
]
