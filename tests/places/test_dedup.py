"""places.dedup: the score that says two records of different sources are the same place.

Known pairs, made from the 155 real places of La Réunion: each place against a copy another
source would publish (case, accents, abbreviations, a typo, a dropped common word, a position a
few metres away or unknown) is a duplicate; every pair of two different places of the file in
the same commune or within 200 m is not. The test prints precision and recall."""

import csv
import random
import unicodedata

from places import dedup
from places.standard import REUNION_FILE


def _record(pk: int, source: str, row: dict) -> dedup.Record:
    lat, lon = row["latitude"], row["longitude"]
    return dedup.Record(
        pk=pk,
        source=source,
        name=row["nom"],
        address=row["adresse"],
        insee=row["code_insee"],
        latitude=float(lat) if lat else None,
        longitude=float(lon) if lon else None,
        exact_position=bool(lat and lon),
        pivot=row["pivot"],
        phone=row["telephone"],
        commune=row["commune"],
    )


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) > 5:
        i = rng.randrange(1, len(word) - 1)
        words[longest] = word[:i] + word[i + 1 :]
    return " ".join(words)


NAME_CHANGES = [
    lambda t, rng: t,
    lambda t, rng: t.upper(),
    lambda t, rng: _plain(t),
    lambda t, rng: t.replace("Saint-", "St ").replace("Sainte-", "Ste "),
    lambda t, rng: _typo(t, rng),
    lambda t, rng: "Espace numérique " + t,
    lambda t, rng: t.replace("Cyber-base", "Cyberbase").replace("Cyber Base", "Cyberbase"),
]
ADDRESS_CHANGES = [
    lambda t: t,
    lambda t: t.lower(),
    lambda t: t.replace("Rue", "R.").replace("rue", "r.").replace("Avenue", "Av."),
    lambda t: _plain(t).upper(),
]


def _copy(row: dict, rng: random.Random) -> dict:
    copy = dict(row)
    copy["nom"] = rng.choice(NAME_CHANGES)(row["nom"], rng)
    copy["adresse"] = rng.choice(ADDRESS_CHANGES)(row["adresse"])
    if row["latitude"] and rng.random() < 0.8:
        copy["latitude"] = f"{float(row['latitude']) + rng.uniform(-0.0003, 0.0003):.6f}"
        copy["longitude"] = f"{float(row['longitude']) + rng.uniform(-0.0003, 0.0003):.6f}"
    else:
        copy["latitude"] = copy["longitude"] = ""
    copy["telephone"] = row["telephone"] if rng.random() < 0.5 else ""
    return copy


HARD_NEGATIVES = [
    # Same building, two services.
    (
        ("Mairie de Saint-Paul", "1 rue Evariste de Parny"),
        ("France Services Saint-Paul", "1 rue Evariste de Parny"),
    ),
    # Same street, another number.
    (("Cyber-base du Port", "12 rue de la Gare"), ("Cyber-base du Port", "48 rue de la Gare")),
    # Two libraries of one town.
    (
        ("Médiathèque Aimé Césaire", "3 rue des Lilas"),
        ("Médiathèque Léon Dierx", "3 rue des Lilas"),
    ),
    (
        ("Mission locale Nord", "10 avenue de la Victoire"),
        ("Mission locale Sud", "10 avenue de la Victoire"),
    ),
]


def _labelled_pairs():
    rows = list(csv.DictReader(REUNION_FILE.open(encoding="utf-8")))
    rng = random.Random(13)
    originals = [_record(i, "a", row) for i, row in enumerate(rows)]
    copies = [_record(1000 + i, "b", _copy(row, rng)) for i, row in enumerate(rows)]
    positives = list(zip(originals, copies, strict=True))
    # Two different places of the file, as two sources would list them.
    as_other_source = [_record(2000 + i, "c", row) for i, row in enumerate(rows)]
    negatives = [
        (originals[a], as_other_source[b - 2000])
        for a, b in dedup.candidate_pairs(originals, as_other_source)
        if b - 2000 != a
    ]
    base = {
        "insee": "97415",
        "latitude": -21.0096,
        "longitude": 55.2707,
        "exact_position": True,
        "commune": "Saint-Paul",
    }
    for n, ((name_a, address_a), (name_b, address_b)) in enumerate(HARD_NEGATIVES):
        negatives.append(
            (
                dedup.Record(pk=3000 + n, source="a", name=name_a, address=address_a, **base),
                dedup.Record(pk=4000 + n, source="b", name=name_b, address=address_b, **base),
            )
        )
    return positives, negatives


def test_known_pairs_precision_and_recall():
    positives, negatives = _labelled_pairs()
    assert len(positives) == 155 and len(negatives) > 100
    true_merges = sum(dedup.score(a, b).merge for a, b in positives)
    false_merges = [(a.name, b.name) for a, b in negatives if dedup.score(a, b).merge]
    found_or_queued = sum(dedup.score(a, b).merge or dedup.score(a, b).review for a, b in positives)
    precision = true_merges / (true_merges + len(false_merges))
    recall = true_merges / len(positives)
    print(
        f"\ndoublons : {len(positives)} paires, autres : {len(negatives)} paires ; "
        f"précision {precision:.3f}, rappel {recall:.3f} "
        f"(fusion ou file de l'opérateur : {found_or_queued / len(positives):.3f}) ; "
        f"fusions à tort : {false_merges}"
    )
    assert precision >= 0.98
    assert recall >= 0.85
    assert found_or_queued / len(positives) >= 0.95


def test_common_words_and_the_commune_weigh_little():
    same = dedup.name_similarity("Médiathèque Benoîte BOULARD", "Mediatheque B. Boulard")
    different = dedup.name_similarity(
        "Mairie de Saint-Paul", "Mairie annexe de Bois-de-Nèfles", commune="Saint-Paul"
    )
    assert same > 75 > different


def test_a_different_house_number_and_a_far_position_prevent_a_merge():
    assert dedup.address_similarity("12 rue de la Gare", "12 R. de la gare") == 100
    assert dedup.address_similarity("12 rue de la Gare", "14 rue de la Gare") <= 40
    a = dedup.Record(1, "a", "Cyber-case Les Makes", "1 rue A", "97414", -21.19, 55.41, True)
    b = dedup.Record(2, "b", "Cyber-case Les Makes", "1 rue A", "97414", -21.21, 55.41, True)
    assert not dedup.score(a, b).merge  # 2 km apart


def test_groups_never_hold_two_records_of_one_source():
    records = {1: "a", 2: "b", 3: "a"}
    groups = dedup.groups(records, [(95, 1, 2), (90, 2, 3)])
    assert groups == {1: [1, 2], 3: [3]}
