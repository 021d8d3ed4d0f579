import json

from places.enums import VOCABULARIES
from places.standard import FIELDS_V1, SCHEMA_V1_PATH


def _pattern_values(pattern: str) -> set[str]:
    inner = pattern.split("(?:(?:^|\\|)(", 1)[1].rsplit("))+$", 1)[0]
    values = set()
    for raw in inner.split("|"):
        values.add(raw.replace("\\(", "(").replace("\\)", ")").replace("\\.", "."))
    return values


def test_enums_match_the_schema_vocabularies():
    schema = {f["name"]: f for f in json.loads(SCHEMA_V1_PATH.read_text())["fields"]}
    for name, vocabulary in VOCABULARIES.items():
        pattern = schema[name].get("constraints", {}).get("pattern")
        if vocabulary is None:
            assert pattern is None
            continue
        expected = _pattern_values(pattern)
        actual = set(vocabulary.values)
        assert actual == expected, name


def test_fields_follow_schema_order():
    assert FIELDS_V1[:3] == ["id", "pivot", "nom"]
    assert len(FIELDS_V1) == 32


def test_the_standard_vocabularies_read_in_french():
    """Filters and session themes show the standard's own words, never "Admin" or "Women"."""
    from places import enums

    for vocabulary in (enums.Service, enums.Public, enums.Fee, enums.AccessMode, enums.Label):
        assert all(label == value for value, label in vocabulary.choices)
    assert "Admin" not in enums.Service.labels and "Femmes" in enums.Public.labels
