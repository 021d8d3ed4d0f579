"""Vocabularies of the national standard for mediation places, v1.0.2 (values as in its patterns)."""

from django.db import models


class Vocabulary(models.TextChoices):
    """A vocabulary of the standard: a person reads the standard's own French value."""

    @property
    def label(self) -> str:
        return self.value


class Service(Vocabulary):
    ADMIN = "Aide aux démarches administratives"
    EVERYDAY_TOOLS = "Maîtrise des outils numériques du quotidien"
    EMPLOYMENT = "Insertion professionnelle via le numérique"
    SECURITY = "Utilisation sécurisée du numérique"
    PARENTING = "Parentalité et éducation avec le numérique"
    LEISURE = "Loisirs et créations numériques"
    UNDERSTANDING = "Compréhension du monde numérique"
    ACCESS = "Accès internet et matériel informatique"
    EQUIPMENT = "Acquisition de matériel informatique à prix solidaire"


class Public(Vocabulary):
    YOUNG = "Jeunes"
    STUDENTS = "Étudiants"
    FAMILIES = "Familles et/ou enfants"
    SENIORS = "Seniors"
    WOMEN = "Femmes"


class SpecificSupport(Vocabulary):
    DEAFNESS = "Surdité"
    MOTOR = "Handicaps moteurs"
    MENTAL = "Handicaps mentaux"
    ILLITERACY = "Illettrisme"
    ENGLISH = "Langues étrangères (anglais)"
    OTHER_LANGUAGES = "Langues étrangères (autres)"
    VISUAL = "Déficience visuelle"


class Fee(Vocabulary):
    FREE = "Gratuit"
    FREE_UNDER_CONDITION = "Gratuit sous condition"
    PAID = "Payant"


class NationalProgram(Vocabulary):
    AIDANTS_CONNECT = "Aidants Connect"
    BNR = "Bibliothèques numérique de référence"
    PIX = "Certification PIX"
    CNFS = "Conseillers numériques"
    EMMAUS = "Emmaüs Connect"
    FRANCE_SERVICES = "France Services"
    GEN = "Grande école du numérique"
    RED_CROSS = "La Croix Rouge"
    CAF = "Point d'accès numérique CAF"
    PROMENEURS = "Promeneurs du net"
    EMMAUS_RELAY = "Relais numérique (Emmaüs Connect)"


class Label(Vocabulary):
    MON_ESPACE_SANTE = "Formé à « Mon Espace Santé »"
    DUPLEX = "Formé à « DUPLEX » (illettrisme)"
    ARNIA = "Arnia/MedNum BFC (Bourgogne-Franche-Comté)"
    REEMPLOI = "Collectif ressources et acteurs réemploi (Normandie)"
    # The schema's pattern has no space before the parenthesis: that spelling is the value.
    ETAPES = "Étapes numériques(La Poste)", "Étapes numériques (La Poste)"
    FABRIQUES = "Fabriques de Territoire"
    ECLAIREURS = "Les Éclaireurs du numérique (Drôme)"
    MES_PAPIERS = "Mes Papiers (Métropole de Lyon)"
    ORDI = "ORDI 3.0"
    SUD_LABS = "SUD LABS (PACA)"


class AccessMode(Vocabulary):
    WALK_IN = "Se présenter"
    PHONE = "Téléphoner"
    EMAIL = "Contacter par mail"
    ONLINE_BOOKING = "Prendre un RDV en ligne"
    NO_PUBLIC = "Ce lieu n'accueille pas de public"
    PRESCRIPTION = "Envoyer un mail avec une fiche de prescription"


class SupportMode(Vocabulary):
    AUTONOMOUS = "En autonomie"
    INDIVIDUAL = "Accompagnement individuel"
    WORKSHOP = "Dans un atelier collectif"
    REMOTE = "À distance"


class Itinerance(Vocabulary):
    MOBILE = "Itinérant"
    FIXED = "Fixe"


class LinkSource(models.TextChoices):
    OPERATOR = "operator", "décidé par l'opérateur"
    AGREEMENT = "agreement", "convention"


class ReportStatus(models.TextChoices):
    OPEN = "open", "à traiter"
    FIXED = "fixed", "corrigé"
    DISMISSED = "dismissed", "sans suite"


class MatchStatus(models.TextChoices):
    PENDING = "pending", "à vérifier"
    MERGED = "merged", "fusionnés automatiquement"
    CONFIRMED = "confirmed", "même lieu (décision de l'opérateur)"
    SPLIT = "split", "lieux différents (décision de l'opérateur)"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "en attente"
    APPROVED = "approved", "acceptée"
    REFUSED = "refused", "refusée"


# Multi-valued fields of the standard and their vocabulary (None: free values).
VOCABULARIES: dict[str, type[models.TextChoices] | None] = {
    "itinerance": Itinerance,
    "services": Service,
    "publics_specifiquement_adresses": Public,
    "prise_en_charge_specifique": SpecificSupport,
    "frais_a_charge": Fee,
    "dispositif_programmes_nationaux": NationalProgram,
    "formations_labels": Label,
    "modalites_acces": AccessMode,
    "modalites_accompagnement": SupportMode,
    "typologie": None,
    "courriels": None,
    "site_web": None,
}

# The schema's description and the ANCT library write this label with a space; both spellings
# are accepted, the schema's is stored and exported.
LABEL_ALIASES = {"Étapes numériques (La Poste)": Label.ETAPES.value}
