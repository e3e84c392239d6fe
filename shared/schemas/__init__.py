"""Wire contracts exchanged between services (and served to integrators). One change, one place."""
