class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row of an append-only table."""
