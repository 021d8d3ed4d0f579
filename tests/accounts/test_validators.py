import pytest
from django.core.exceptions import ValidationError

from accounts.validators import siret_is_valid, validate_rna, validate_siret


@pytest.mark.parametrize(
    "siret", ["73282932000074", "44306184100047", "90000001910000", "35600000000048"]
)
def test_valid_sirets(siret):
    assert siret_is_valid(siret)
    validate_siret(siret)


def test_la_poste_exception_digit_sum_divisible_by_five():
    # 356000000 + 00047 fails Luhn but its digit sum (3+5+6+4+7 = 25) is divisible by 5.
    assert siret_is_valid("35600000000047")
    assert not siret_is_valid("35600000000046")


def test_wrong_checksum_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as error:
        validate_siret("73282932000075")
    assert "clé de contrôle" in error.value.messages[0]


@pytest.mark.parametrize("value", ["1234", "7328293200007A", "732829320000745"])
def test_wrong_format_is_refused(value):
    with pytest.raises(ValidationError) as error:
        validate_siret(value)
    assert "14 chiffres" in error.value.messages[0]


def test_rna():
    validate_rna("W974000101")
    validate_rna("W2A1000201")
    for value in ["974000101", "W97400010", "X974000101"]:
        with pytest.raises(ValidationError):
            validate_rna(value)
