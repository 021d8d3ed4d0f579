import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from core.text import normalize_search
from territories.models import Commune, Departement

_DEPARTEMENT_CODE = re.compile(r"^(\d{2,3}|2a|2b)$")


def commune_search(*, query: str, limit: int = 10) -> QuerySet[Commune] | list[Commune]:
    """Finds communes by name, postal code or INSEE code, with an optional département code.

    "st paul 974", "97460" and "saint-paul" all find Saint-Paul (La Réunion).
    """
    words = normalize_search(query).split()
    if not words:
        return []
    name_words: list[str] = []
    filters = Q()
    for word in words:
        if word.isdigit() and len(word) == 5:
            filters &= Q(postal_code_rows__code=word) | Q(code=word)
        elif _DEPARTEMENT_CODE.match(word):
            code = word.upper()
            filters &= Q(departement_id=code) | Q(postal_code_rows__code__startswith=code)
        elif word.isdigit():
            filters &= Q(postal_code_rows__code__startswith=word)
        else:
            name_words.append(word)
    name = " ".join(name_words)
    if name:
        filters &= Q(search_name__contains=name)
    qs = (
        Commune.objects.filter(filters)
        .select_related("departement")
        .annotate(
            rank=Case(
                When(search_name=name, then=Value(0)),
                When(search_name__startswith=name, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
            if name
            else Value(0, output_field=IntegerField())
        )
        .order_by("rank", "-population", "name")
        .distinct()
    )
    return qs[:limit]


def commune_get(*, code: str) -> Commune | None:
    return Commune.objects.select_related("departement").filter(code=code).first()


def departement_search(*, query: str, limit: int = 10) -> list[Departement]:
    """Finds départements by code ("974", "2a") or by name, accents and case aside."""
    text = normalize_search(query)
    if not text:
        return []
    code = text.replace(" ", "").upper()
    exact = list(Departement.objects.filter(code=code))
    if exact:
        return exact
    found = [d for d in Departement.objects.order_by("code") if text in normalize_search(d.name)]
    found.sort(key=lambda d: (not normalize_search(d.name).startswith(text), d.code))
    return found[:limit]
