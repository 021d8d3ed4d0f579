"""territories.services: loading the shipped communes."""

from territories.models import Commune
from territories.services import communes_load


def test_load_is_idempotent(communes):
    count = Commune.objects.count()
    report = communes_load(departements=["974", "47"])
    assert report.communes_created == 0 and report.communes_updated == 0
    assert Commune.objects.count() == count
    saint_paul = Commune.objects.get(code="97415")
    assert saint_paul.postal_code_list == ["97411", "97422", "97423", "97434", "97435", "97460"]
    assert saint_paul.latitude and saint_paul.longitude
