from django.shortcuts import render
from django.views.decorators.http import require_GET

from territories.selectors import commune_search


@require_GET
def commune_autocomplete(request):
    query = request.GET.get("q") or next(
        (value for key, value in request.GET.items() if key.endswith("_label")), ""
    )
    query = query[:100]
    communes = commune_search(query=query) if len(query.strip()) >= 2 else []
    return render(
        request,
        "territories/commune_options.html",
        {"communes": communes, "query": query, "list_id": request.GET.get("list", "")[:60]},
    )
