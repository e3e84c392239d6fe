"""The project's shared package: wire schemas and cross-cutting helpers (no ORM models, no business rules)."""
