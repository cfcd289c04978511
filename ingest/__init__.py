"""How data comes in: one module per source format, the IngestRun record, tasks and commands."""
