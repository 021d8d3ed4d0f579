from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accompaniments.selectors import workshops_agenda, workshops_agenda_choices
from accounts.enums import OrganisationKind
from accounts.perms import is_member_of_kind
from core.text import of
from places.selectors import place_search
from public.forms import AgendaForm

AGENDA_PAGE_SIZE = 10


@require_GET
def home(request):
    return render(request, "public/home.html")


@require_GET
def agenda(request):
    """Collective workshops to come, for anyone: where, when, seats left, how to join."""
    departements, programs = workshops_agenda_choices()
    form = AgendaForm(request.GET or None, departements=departements, programs=programs)
    context = {"form": form, "workshops": None}
    if form.is_bound and not form.is_valid():
        return render(request, "public/agenda.html", context)
    data = form.cleaned_data if form.is_bound else {}
    commune = data.get("commune")
    distances, place_ids, where = {}, None, ""
    if commune:
        radius = data.get("radius") or 20
        results = place_search(
            latitude=commune.latitude, longitude=commune.longitude, radius_km=radius
        )
        distances = {r.pk: r.distance_km for r in results}
        place_ids = list(distances)
        where = f"à moins de {radius} km {of(commune.name)}"
    elif data.get("departement"):
        where = f"dans le département {dict(departements).get(data['departement'], '')}"
    workshops = workshops_agenda(
        place_ids=place_ids,
        departement_code=data.get("departement") or "",
        program_id=data.get("program"),
        theme=data.get("theme") or "",
    )
    page = Paginator(workshops, AGENDA_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context |= {
        "workshops": page,
        "count": len(workshops),
        "items": [(w, distances.get(w.place_id)) for w in page.object_list],
        "where": where,
        "query": query.urlencode(),
        "can_book": is_member_of_kind(request.user, OrganisationKind.PRESCRIBER),
    }
    return render(request, "public/agenda.html", context)


@require_GET
def accessibility(request):
    return render(request, "public/accessibility.html")


@require_GET
def legal(request):
    return render(request, "public/legal.html")


@require_GET
def personal_data(request):
    return render(request, "public/personal_data.html")


def bad_request(request, exception=None):
    """A request Django cannot read: too big a form, too many fields, a bad header."""
    return render(request, "400.html", status=400)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors that touch the database: the error may come from it.
    return render(request, "500.html", status=500)
