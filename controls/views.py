from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.enums import OrganisationKind
from accounts.perms import is_member_of_kind
from controls import selectors
from controls.forms import ACCEPT, LineDecisionForm
from core.exceptions import PassnumError
from core.text import of
from settlement.models import PricingLine
from settlement.services import line_review

PAGE_SIZE = 50


def _require_operator(request) -> None:
    if not is_member_of_kind(request.user, OrganisationKind.OPERATOR):
        raise PermissionDenied


@login_required
def review(request):
    """The operator's page: lines held by the controls or contested, to accept or reject."""
    _require_operator(request)
    page = Paginator(selectors.lines_to_review(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "controls/review.html", {"page": page})


@login_required
@require_POST
def decide(request, pk: int):
    _require_operator(request)
    line = get_object_or_404(PricingLine.objects.select_related("structure"), pk=pk)
    form = LineDecisionForm(request.POST)
    back = reverse("controls:review")
    if not form.is_valid():
        messages.error(request, f"Ligne n° {line.pk} : choisissez accepter ou refuser.")
        return redirect(back)
    if form.cleaned_data["page"]:
        back += f"?page={form.cleaned_data['page']}"
    accept = form.cleaned_data["decision"] == ACCEPT
    try:
        line_review(
            actor=request.user, line=line, accept=accept, reason=form.cleaned_data["reason"]
        )
    except PassnumError as error:
        messages.error(request, f"Ligne n° {line.pk} : {error.message}")
        return redirect(back)
    if accept:
        messages.success(
            request,
            f"Ligne n° {line.pk} {of(line.structure.name)} acceptée : "
            "elle sera payée avec le prochain lot.",
        )
    else:
        messages.success(
            request,
            f"Ligne n° {line.pk} {of(line.structure.name)} refusée : "
            "la structure verra votre motif.",
        )
    return redirect(back)
