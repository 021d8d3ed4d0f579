from django.shortcuts import render
from django.views.decorators.http import require_GET

from territories.selectors import commune_search, departement_search


def _typed(request) -> str:
    """What was typed: `q`, or the text box of an autocomplete widget (`<field>_label`); for a
    box holding several entries separated by commas, the last one."""
    query = request.GET.get("q") or next(
        (value for key, value in request.GET.items() if key.endswith("_label")), ""
    )
    return query[:300].split(",")[-1].strip()[:100]


@require_GET
def departement_autocomplete(request):
    query = _typed(request)
    return render(
        request,
        "territories/departement_options.html",
        {
            "departements": departement_search(query=query) if query.strip() else [],
            "query": query,
            "list_id": request.GET.get("list", "")[:60],
        },
    )


@require_GET
def commune_autocomplete(request):
    query = _typed(request)
    communes = commune_search(query=query) if len(query.strip()) >= 2 else []
    return render(
        request,
        "territories/commune_options.html",
        {"communes": communes, "query": query, "list_id": request.GET.get("list", "")[:60]},
    )
