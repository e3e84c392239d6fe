"""Typed clients of the services, one per service, beside the wire schemas they exchange (`shared.schemas`)."""
