"""The programme data files (`data/<programme>.yaml`, see data/FORMAT.md): their format and checks
(`format`), the parts with checks of their own (`sources`: where each value came from; `cost_options`;
`assessment_criteria`), and loading them into the database idempotently (`loader`)."""
