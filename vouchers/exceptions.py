from core.exceptions import PassnumError


class VouchersError(PassnumError):
    """A rule of the vouchers app was broken; the message is for the person, in French."""
