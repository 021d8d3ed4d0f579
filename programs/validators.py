from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors

_IBAN_MESSAGES = {
    schwifty_errors.InvalidChecksumDigits: (
        "IBAN invalide : la clé de contrôle ne correspond pas. Vérifiez chaque caractère."
    ),
    schwifty_errors.InvalidLength: "IBAN invalide : le nombre de caractères ne va pas pour ce pays.",
    schwifty_errors.InvalidCountryCode: "IBAN invalide : il doit commencer par le code du pays (FR…).",
    schwifty_errors.InvalidBBANChecksum: "IBAN invalide : la clé RIB ne correspond pas.",
}


def clean_iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except schwifty_errors.SchwiftyException as error:
        for kind, message in _IBAN_MESSAGES.items():
            if isinstance(error, kind):
                raise ValidationError(message, code="iban") from error
        raise ValidationError("IBAN invalide : vérifiez sa structure.", code="iban") from error


def clean_bic(value: str) -> str:
    try:
        return str(BIC(value))
    except schwifty_errors.SchwiftyException as error:
        raise ValidationError(
            "BIC invalide : 8 ou 11 caractères, par exemple AGRIFRPP ou AGRIFRPP882.", code="bic"
        ) from error


def validate_iban(value: str) -> None:
    clean_iban(value)


def validate_bic(value: str) -> None:
    clean_bic(value)
