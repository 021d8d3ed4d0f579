"""reporting.opendata: monthly indicators per program and commune; no count under 5 is ever
shown, and none can be recomputed by difference from the total (tested on the rule itself,
exhaustively on small groups, and on the published files)."""

import csv
import io
import itertools
import json

import pytest
from django.urls import reverse

from reporting import opendata
from reporting.opendata import THRESHOLD, Cell, suppress


def recomputable(values: list, total) -> list[int]:
    """What an attacker recomputes from one group: the hidden cells whose value follows from
    the total and the cells shown (values are counts, so never negative)."""
    hidden = [i for i, v in enumerate(values) if v is None]
    if total is None or not hidden:
        return []
    left = total - sum(v for v in values if v is not None)
    if len(hidden) == 1 or left == 0:
        return hidden
    return []


def _publish(values):
    cells = {str(i): Cell(v) for i, v in enumerate(values)}
    total = Cell(sum(values))
    suppress(cells, total)
    return [None if c.hidden else c.value for c in cells.values()], (
        None if total.hidden else total.value
    )


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_every_small_group_is_protected(size):
    """Every group of up to 4 communes with counts 0 to 9 (10,000 groups of 4)."""
    for values in itertools.product(range(10), repeat=size):
        shown, total = _publish(list(values))
        assert all(v is None or v >= THRESHOLD for v in shown), values
        assert total is None or total >= THRESHOLD, values
        assert not recomputable(shown, total), (values, shown, total)
        hidden = [values[i] for i, v in enumerate(shown) if v is None]
        assert not hidden or total is None or sum(hidden) >= THRESHOLD


def test_nothing_is_hidden_without_need():
    assert _publish([7, 12, 30]) == ([7, 12, 30], 49)
    assert _publish([3, 12, 30]) == ([None, None, 30], 45)  # 12 hidden as well
    assert _publish([3, 2, 30]) == ([None, None, 30], 35)  # 3 + 2 = 5 together
    assert _publish([1, 2, 30]) == ([None, None, None], 33)  # only their sum is known


def _recompute_file(rows):
    groups = {}
    for row in rows:
        groups.setdefault((row["programme"], row["mois"]), []).append(row)
    for group in groups.values():
        total = next(r for r in group if r["code_commune"] == "total")
        communes = [r for r in group if r["code_commune"] != "total"]
        for measure in opendata.MEASURES:
            values = [r[measure] for r in communes]
            assert all(v is None or v >= THRESHOLD for v in values + [total[measure]])
            assert not recomputable(values, total[measure])


def test_published_files_hide_small_counts(activity, client, make_person, monkeypatch):
    rows = opendata.monthly_indicators()
    october = [
        r for r in rows if r["mois"] == "2026-10" and r["programme"] == activity["money"].slug
    ]
    assert october and all(r["personnes"] is None for r in october)  # 1 person in October
    _recompute_file(rows)
    data = json.loads(client.get(reverse("reporting:open_data_json")).content)
    assert data["donnees"] == json.loads(json.dumps(rows)) and data["seuil"] == 5
    text = b"".join(client.get(reverse("reporting:open_data_csv")).streaming_content)
    table = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    assert [r["code_commune"] for r in table] == [r["code_commune"] for r in rows]
    assert all(r["personnes"] == "" for r in table)


def test_large_enough_counts_are_shown(monkeypatch, activity):
    """With the counts of a busy month the figures come out, the small ones hidden."""
    busy = {
        (opendata.dt.date(2026, 10, 1), "97410"): {
            "personnes": 40,
            "carnets_remis": 12,
            "unites_utilisees": 90,
            "heures_utilisees": 0,
        },
        (opendata.dt.date(2026, 10, 1), "97411"): {
            "personnes": 25,
            "carnets_remis": 3,
            "unites_utilisees": 50,
            "heures_utilisees": 0,
        },
        (opendata.dt.date(2026, 10, 1), "97415"): {
            "personnes": 2,
            "carnets_remis": 9,
            "unites_utilisees": 4,
            "heures_utilisees": 0,
        },
    }
    monkeypatch.setattr(opendata, "program_months", lambda program: busy)
    rows = opendata.monthly_indicators([activity["money"]])
    by_commune = {r["code_commune"]: r for r in rows}
    assert by_commune["97410"]["personnes"] == 40 and by_commune["97415"]["personnes"] is None
    assert by_commune["97411"]["personnes"] is None  # hidden with 97415 (secondary)
    assert (
        by_commune["total"]["personnes"] == 67 and by_commune["total"]["heures_utilisees"] is None
    )
    assert by_commune["97411"]["commune"] == "Saint-Denis"
    _recompute_file(rows)


def test_the_open_data_page_documents_the_schema(client):
    html = client.get(reverse("reporting:open_data")).content.decode()
    for name, _kind, _text in opendata.FIELDS:
        assert f"<code>{name}</code>" in html
    assert "inférieur à 5" in html and reverse("places:export_csv") in html
