class BeneficiariesError(Exception):
    """A rule of the beneficiaries app was broken; the message is for the person, in French."""
