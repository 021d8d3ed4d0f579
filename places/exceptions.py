from core.exceptions import PassnumError


class PlacesError(PassnumError):
    """A rule of the places app was broken; the message is for the person, in French."""


class ImportFileUnreadable(PlacesError):
    pass
