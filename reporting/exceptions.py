from core.exceptions import PassnumError


class ReportingError(PassnumError):
    pass
