from core.exceptions import PassnumError


class AccountsError(PassnumError):
    """A refused action on accounts, with a message in French for the person."""


class InvitationInvalid(AccountsError):
    pass


class LastAdminError(AccountsError):
    pass


class SignupInvalid(AccountsError):
    pass
