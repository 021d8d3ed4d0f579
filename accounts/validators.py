import re

from django.core.exceptions import ValidationError

from core.checksums import luhn_valid

# La Poste's establishments share SIREN 356000000; their SIRET fails Luhn and instead has a
# digit sum divisible by 5 (INSEE's documented exception).
LA_POSTE_SIREN = "356000000"
RNA_PATTERN = re.compile(r"W[0-9][0-9AB][0-9]{7}")


def siret_is_valid(value: str) -> bool:
    if len(value) != 14 or not value.isdigit():
        return False
    if value.startswith(LA_POSTE_SIREN):
        return luhn_valid(value) or sum(int(c) for c in value) % 5 == 0
    return luhn_valid(value[:9]) and luhn_valid(value)


def validate_siret(value: str) -> None:
    if len(value) != 14 or not value.isdigit():
        raise ValidationError(
            "Le numéro SIRET doit compter exactement 14 chiffres, sans espace ni lettre.",
            code="siret_format",
        )
    if not siret_is_valid(value):
        raise ValidationError(
            "Ce numéro SIRET n'existe pas : sa clé de contrôle est fausse. "
            "Vérifiez chaque chiffre.",
            code="siret_checksum",
        )


def validate_rna(value: str) -> None:
    if not RNA_PATTERN.fullmatch(value):
        raise ValidationError(
            "Le numéro RNA commence par W suivi de 9 caractères (exemple : W974001234).",
            code="rna_format",
        )


def clean_identifier(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "").upper()
