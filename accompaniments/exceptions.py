from core.exceptions import PassnumError


class AccompanimentsError(PassnumError):
    """A rule of the accompaniments app was broken; the message is for the person, in French."""
