from core.exceptions import PassnumError


class BeneficiariesError(PassnumError):
    """A rule of the beneficiaries app was broken; the message is for the person, in French."""
