from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.models import Organisation
from accounts.perms import can_act_as


def organisation_acting_as(request, pk: int, kind: str) -> Organisation:
    """The organisation of the URL, if the user works for it and it has this kind; else 403."""
    organisation = get_object_or_404(Organisation, pk=pk)
    if not can_act_as(request.user, organisation, kind):
        raise PermissionDenied
    return organisation
