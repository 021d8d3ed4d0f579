"""territories.selectors: finding a commune by what people type."""

import pytest

from territories.selectors import commune_search


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
