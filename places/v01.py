"""The standard's v0.1 vocabulary mapped to v1.0.2, in one place.

Sources:
- the v0.1 values: `schema-v0.1.1.json` of LaMednum/standard-mediation-num, tag v0.1.1
  (commit fbd9541c2205b23da233339697447b2131c36fce), shipped in `places/data/`;
- the v1 values: `schema-v1.0.2.json` of the same repository (commit e347ff40a0072ed2e0caf7f04384dfd2c84dbaff);
- what changed between them: the repository's `descriptif-des-evolutions` (v1.0.0): fields
  renamed (`courriel` → `courriels`, `labels_autres` → `autres_formations_labels`,
  `accessibilite` → `fiche_acces_libre`), `publics_accueillis` split into
  `publics_specifiquement_adresses` and `prise_en_charge_specifique`, `conditions_acces` became
  `frais_a_charge`, `labels_nationaux` split into `dispositif_programmes_nationaux` and
  `formations_labels`, the 15 services condensed into 9, `cle_ban` dropped, `;` replaced by `|`.
The changelog names the groups, not each value: the value-by-value choices below are the
project's reading of the two vocabularies. "Pass numérique" has no v1 value: the v0.1 condition
"Accepte le Pass numérique" and the label APTIC (the Pass numérique network) set the place's
own flag `accepts_pass_numerique` (shared/design/research-data.md, "Where Pass numérique fits").

Values are compared folded (case, accents, punctuation), so "A ma place" and "À ma place", or
"aptic" and "APTIC", are the same value.
"""

from core.text import normalize_search
from places.enums import Fee, Label, NationalProgram, Public
from places.enums import Service as S
from places.enums import SpecificSupport as SS
from places.enums import SupportMode as SM

# Columns some published files spell differently.
COLUMN_ALIASES = {"conditions_access": "conditions_acces", "courriels_contact": "courriels"}
# Columns that exist only in v0.1: a file holding one of them is read as v0.1.
V01_ONLY_COLUMNS = {
    "cle_ban",
    "courriel",
    "publics_accueillis",
    "conditions_acces",
    "labels_nationaux",
    "labels_autres",
    "accessibilite",
}
RENAMED = {
    "courriel": "courriels",
    "labels_autres": "autres_formations_labels",
    "accessibilite": "fiche_acces_libre",
}
PASS_NUMERIQUE_LABEL = "APTIC (Pass numérique)"

SERVICES = {
    "Devenir autonome dans les démarches administratives": S.ADMIN,
    "Réaliser des démarches administratives avec un accompagnement": S.ADMIN,
    "Accompagner les démarches de santé": S.ADMIN,
    "Prendre en main un smartphone ou une tablette": S.EVERYDAY_TOOLS,
    "Prendre en main un ordinateur": S.EVERYDAY_TOOLS,
    "Utiliser le numérique au quotidien": S.EVERYDAY_TOOLS,
    "Approfondir ma culture numérique": S.UNDERSTANDING,
    "Promouvoir la citoyenneté numérique": S.UNDERSTANDING,
    "Favoriser mon insertion professionnelle": S.EMPLOYMENT,
    "Créer et développer mon entreprise": S.EMPLOYMENT,
    "Accéder à une connexion internet": S.ACCESS,
    "Accéder à du matériel": S.ACCESS,
    "S'équiper en matériel informatique": S.EQUIPMENT,
    "Créer avec le numérique": S.LEISURE,
    "Soutenir la parentalité et l'éducation avec le numérique": S.PARENTING,
}
# v0.1 public -> (v1 field, v1 value); "Adultes" (everyone) needs no v1 value.
PUBLICS = {
    "Seniors (+ 65 ans)": ("publics_specifiquement_adresses", Public.SENIORS),
    "Familles/enfants": ("publics_specifiquement_adresses", Public.FAMILIES),
    "Adultes": (None, None),
    "Jeunes (16-26 ans)": ("publics_specifiquement_adresses", Public.YOUNG),
    "Uniquement femmes": ("publics_specifiquement_adresses", Public.WOMEN),
    "Public langues étrangères": ("prise_en_charge_specifique", SS.OTHER_LANGUAGES),
    "Déficience visuelle": ("prise_en_charge_specifique", SS.VISUAL),
    "Surdité": ("prise_en_charge_specifique", SS.DEAFNESS),
    "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales": (
        "prise_en_charge_specifique",
        SS.MENTAL,
    ),
    "Handicaps mentaux : déficiences limitant les activités d'une personne": (
        "prise_en_charge_specifique",
        SS.MENTAL,
    ),
    "Personnes en situation d'illettrisme": ("prise_en_charge_specifique", SS.ILLITERACY),
}
# v0.1 condition -> (v1 fee, accepts the Pass numérique)
CONDITIONS = {
    "Gratuit : Je peux accéder gratuitement au lieu et à ses services": (Fee.FREE, False),
    "Gratuit sous condition : La gratuité est conditionnée à des critères (situation familiale, "
    "convention avec un organisme social...)": (Fee.FREE_UNDER_CONDITION, False),
    "Payant : L'accès au lieu et/ou à ses services est payant": (Fee.PAID, False),
    "Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique pour accéder au lieu": (
        Fee.FREE_UNDER_CONDITION,
        True,
    ),
    # The v1.0.0 definition of "Gratuit sous condition" names membership (adhésion).
    "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer": (
        Fee.FREE_UNDER_CONDITION,
        False,
    ),
}
# Short forms found in published files (the label before the colon).
CONDITIONS |= {key.split(" : ", 1)[0]: value for key, value in CONDITIONS.items()}
# v0.1 national label -> (v1 field, v1 value); APTIC sets the Pass numérique flag.
LABELS = {
    "France Services": ("dispositif_programmes_nationaux", NationalProgram.FRANCE_SERVICES),
    "CNFS": ("dispositif_programmes_nationaux", NationalProgram.CNFS),
    "Conseiller numérique": ("dispositif_programmes_nationaux", NationalProgram.CNFS),
    "Aidants Connect": ("dispositif_programmes_nationaux", NationalProgram.AIDANTS_CONNECT),
    "Grandes écoles du numérique": ("dispositif_programmes_nationaux", NationalProgram.GEN),
    "Point relais CAF": ("dispositif_programmes_nationaux", NationalProgram.CAF),
    "Point numérique CAF": ("dispositif_programmes_nationaux", NationalProgram.CAF),
    "Fabriques de Territoire": ("formations_labels", Label.FABRIQUES),
    "APTIC": ("autres_formations_labels", PASS_NUMERIQUE_LABEL),
    "Relais pôle emploi": ("autres_formations_labels", "Relais pôle emploi"),
    "French Tech": ("autres_formations_labels", "French Tech"),
    "Campus connecté": ("autres_formations_labels", "Campus connecté"),
}
SUPPORT = {
    "Seul : j'ai accès à du matériel et une connexion": SM.AUTONOMOUS,
    "Avec de l'aide : je suis accompagné seul dans l'usage du numérique": SM.INDIVIDUAL,
    "Dans un atelier : j'apprends collectivement à utiliser le numérique": SM.WORKSHOP,
    "A ma place : une personne habilitée fait les démarches à ma place": SM.INDIVIDUAL,
}
SUPPORT |= {key.split(" : ", 1)[0]: value for key, value in SUPPORT.items()}


def fold(value: str) -> str:
    return normalize_search(value)


def _folded(mapping: dict) -> dict:
    return {fold(key): value for key, value in mapping.items()}


FOLDED = {
    "services": _folded(SERVICES),
    "publics_accueillis": _folded(PUBLICS),
    "conditions_acces": _folded(CONDITIONS),
    "labels_nationaux": _folded(LABELS),
    "modalites_accompagnement": _folded(SUPPORT),
}


def lookup(field: str, value: str):
    """The v1 target of a v0.1 value of `field`, or None when it maps to nothing."""
    return FOLDED[field].get(fold(value))


def mentions_pass_numerique(text: str) -> bool:
    """A free label naming the Pass numérique or its network, APTIC."""
    folded = fold(text)
    return "pass numerique" in folded or "aptic" in folded.split()
