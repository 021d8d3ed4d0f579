class PassnumError(Exception):
    """A refused action: a message in French for the person and, when one field of what they
    typed is at fault, that field's name. Every app's errors derive from it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row of an append-only table."""
