from django import forms

from territories.forms import CommuneField


class _Form(forms.Form):
    commune = CommuneField()


def test_commune_field_takes_the_hidden_code_or_what_was_typed(communes):
    assert _Form({"commune": "97415"}).is_valid()
    form = _Form({"commune_label": "97460"})
    assert form.is_valid() and form.cleaned_data["commune"].code == "97415"
    form = _Form({"commune_label": "Saint"})
    assert not form.is_valid() and "Plusieurs communes" in form.errors["commune"][0]
    form = _Form({"commune_label": "Atlantide"})
    assert not form.is_valid() and "introuvable" in form.errors["commune"][0]
    assert 'value="Atlantide"' in str(form["commune"])


def test_several_territories_come_from_checked_boxes_and_from_typed_names(communes):
    from django import forms as django_forms
    from django.http import QueryDict

    from territories.forms import TerritoryMultipleField

    class Form(django_forms.Form):
        departements = TerritoryMultipleField(kind="departement")
        communes = TerritoryMultipleField(kind="commune")

    data = QueryDict(mutable=True)
    data.setlist("communes", ["97415"])
    data["communes_label"] = "Le Port, 97415, Agen"
    data["departements_label"] = "la reunion; 47"
    form = Form(data)
    assert form.is_valid(), form.errors
    assert [c.code for c in form.cleaned_data["communes"]] == ["97415", "97407", "47001"]
    assert [d.code for d in form.cleaned_data["departements"]] == ["974", "47"]

    form = Form(QueryDict("communes_label=Saint&departements_label=999"))
    assert not form.is_valid()
    assert form.errors["communes"] == [
        "Commune introuvable : « Saint ». Vérifiez l'orthographe ou tapez le code."
    ]
    assert "« 999 »" in form.errors["departements"][0]
    assert Form().is_valid() is False and Form({}).is_valid()
    plain = Form({"departements": "974", "communes": ["97407"]})
    assert plain.is_valid() and [d.code for d in plain.cleaned_data["departements"]] == ["974"]


def test_the_departement_autocomplete_offers_options(client, communes):
    page = client.get("/territoires/departements/?list=l&departements_label=Lot, reun").content
    assert b'data-value="974"' in page and b'role="option"' in page


def test_a_nul_character_never_reaches_the_database(communes):
    """PostgreSQL refuses NUL in a query: the field drops it (found by tests/test_forms_fuzz.py)."""
    form = _Form({"commune": "\x00"})
    assert not form.is_valid() and "Indiquez une commune" in form.errors["commune"][0]
    form = _Form({"commune": "974\x0015"})
    assert form.is_valid() and form.cleaned_data["commune"].code == "97415"
    form = _Form({"commune_label": "Atlan\x00tide"})
    assert not form.is_valid() and 'value="Atlantide"' in str(form["commune"])
