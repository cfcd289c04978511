"""Background jobs for large exports and imports: a job row, a file under DATA_DIR, a status URL."""
