from core.exceptions import PassnumError


class ProgramsError(PassnumError):
    """A rule of the programs app was broken; the message is for the person, in French."""


class BudgetExceeded(ProgramsError):
    pass


class QuotaExceeded(ProgramsError):
    pass


class TransitionRefused(ProgramsError):
    pass
