import pytest
from django import forms
from django.urls import reverse

from territories.forms import CommuneField
from territories.models import Commune
from territories.selectors import commune_search
from territories.services import communes_load


@pytest.mark.parametrize("query", ["st paul 974", "97460", "saint-paul", "Saint Paul 974"])
def test_lookup_finds_saint_paul_de_la_reunion(communes, query):
    results = list(commune_search(query=query))
    assert results, query
    if query == "saint-paul":
        assert "97415" in [c.code for c in results]
    else:
        assert results[0].code == "97415"


def test_lookup_is_insensitive_to_accents_and_case(communes):
    assert commune_search(query="SAINT BENOIT")[0].code == "97410"
    assert commune_search(query="Saint-Benoît 974")[0].code == "97410"
    assert commune_search(query="villeneuve sur lot")[0].code == "47323"
    assert commune_search(query="47000")[0].code == "47001"


def test_lookup_of_nothing(communes):
    assert list(commune_search(query="   ")) == []
    assert list(commune_search(query="zzzzzz")) == []


def test_load_is_idempotent(communes):
    count = Commune.objects.count()
    report = communes_load(departements=["974", "47"])
    assert report.communes_created == 0 and report.communes_updated == 0
    assert Commune.objects.count() == count
    saint_paul = Commune.objects.get(code="97415")
    assert saint_paul.postal_code_list == ["97411", "97422", "97423", "97434", "97435", "97460"]
    assert saint_paul.latitude and saint_paul.longitude


def test_autocomplete_returns_keyboard_options(client, communes):
    response = client.get(reverse("territories:commune_autocomplete"), {"q": "st paul 974"})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'role="option"' in content and 'data-value="97415"' in content
    response = client.get(reverse("territories:commune_autocomplete"), {"commune_label": "zzz"})
    assert "Aucune commune trouvée" in response.content.decode()


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
