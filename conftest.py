"""Root of the test suite: the shared harness and each service's fixtures (see shared/testing.py)."""

pytest_plugins = ["shared.testing"]
