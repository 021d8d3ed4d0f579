from core.exceptions import PassnumError


class SettlementError(PassnumError):
    """A refused settlement action; the message is for the person, in French."""
