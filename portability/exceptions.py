from core.exceptions import PassnumError


class PortabilityError(PassnumError):
    """An archive refused: unreadable, damaged, or not loadable into this instance."""
