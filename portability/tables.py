"""What a program's archive holds: one table per kind of row, in the order they are loaded.

Rows never carry a database id: each row is named by a stable identifier (a SIRET or RNA
number, an e-mail address, a slug, a serial or carnet number, a SEPA message or end-to-end
id, a UUID, or the natural key of the row), and a reference to another row uses that row's
identifier (a `Ref` of the kind named in `KINDS`)."""

from dataclasses import dataclass, field

from django.db import models

from accompaniments.models import Participant, SatisfactionSurvey, Session
from accounts.models import Membership, Organisation, User
from beneficiaries.models import Beneficiary, BeneficiaryStructure, Diagnostic, Orientation
from controls.models import ControlFinding
from places.models import Place, PlaceMatch, PlaceProgram
from programs.models import (
    Agreement,
    Application,
    Call,
    FundingCommitment,
    PrescriberQuota,
    Program,
    Review,
    Track,
)
from settlement.models import Claim, FunderDocument, PaymentBatch, PricingLine, Transfer
from vouchers.models import Allowance, Carnet, SerialCounter, Unit, UnitEvent

# How each kind of row is named in the archive (README, « Identifiants »).
KINDS = {
    "organisation": "numéro SIRET (14 chiffres) ou, à défaut, numéro RNA (W + 9 caractères)",
    "user": "adresse e-mail du compte",
    "place": "source et identifiant dans la source, séparés par « : » (identifiant public)",
    "program": "identifiant court (slug) du programme",
    "track": "nom du parcours dans le programme",
    "commune": "code INSEE de la commune",
    "departement": "code INSEE du département",
    "call": "UUID de l'appel à manifestation d'intérêt",
    "application": "UUID de la candidature",
    "beneficiary": "UUID de la personne",
    "carnet": "numéro du carnet",
    "unit": "numéro (série continue) de l'unité",
    "event": "numéro de l'unité, « # » et le rang de l'événement pour cette unité (0001, 0002…)",
    "session": "UUID de la séance",
    "claim": "structure, programme et mois, séparés par « | »",
    "batch": "identifiant du message SEPA du lot",
    "transfer": "identifiant de bout en bout (end-to-end) du virement",
}


@dataclass(frozen=True)
class Col:
    """A column: a field of the model (`field`, default the column's name); `ref` names the
    kind of row a foreign key points to; `many` for a many-to-many (a list of identifiers)."""

    name: str
    ref: str | None = None
    many: bool = False
    field: str | None = None
    personal: bool = False

    @property
    def model_field(self) -> str:
        return self.field or self.name


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]
    columns: tuple[Col, ...]
    order: tuple[str, ...]
    description: str
    kind: str | None = None  # the kind of row this table names (its rows can be referred to)
    shared: bool = False  # rows may already exist in the receiving instance: kept as they are
    extra: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """The column that names a row of a table with a `kind`: the first one, but for
        tracks (named within their program)."""
        return "name" if self.name == "tracks" else self.columns[0].name


_ADMIN_RIGHTS = "droits d'administration technique de l'instance d'origine : le nouvel opérateur donne les siens"
ADMIN_RIGHTS_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
# Fields of the tables' models that the archive does not carry, and why (its README says it).
LEFT_OUT: dict[tuple[str, str], str] = {
    ("organisations", "signup_ip_hash"): "empreinte de l'adresse IP de l'inscription, qui "
    "ne sert qu'à l'instance d'origine contre les inscriptions en série",
    ("users", "password"): "chacun choisit un nouveau mot de passe (« Mot de passe oublié »)",
    ("users", "last_login"): "dernière connexion à l'instance d'origine",
    **{("users", name): _ADMIN_RIGHTS for name in ADMIN_RIGHTS_FIELDS},
    ("beneficiaries", "search_name"): "recalculé à l'import à partir du nom et du prénom",
    ("unit_events", "program"): "recalculé à l'import : celui de l'unité",
    ("unit_events", "carnet"): "recalculé à l'import : celui de l'unité",
}


def _cols(*names: str) -> tuple[Col, ...]:
    return tuple(Col(name) for name in names)


TABLES: tuple[Table, ...] = (
    Table(
        "organisations",
        Organisation,
        (
            Col("organisation"),
            *_cols("siret", "rna", "name", "is_operator", "is_funder", "is_prescriber"),
            Col("is_structure"),
            Col("commune", ref="commune"),
            *_cols("habilitation", "habilitation_reason", "habilitation_changed_at"),
            Col("created_at"),
        ),
        ("organisation",),
        "Financeurs, prescripteurs, structures et opérateur qui ont une part au programme. "
        "Une organisation déjà connue de l'instance qui reçoit (même SIRET ou RNA) est gardée.",
        kind="organisation",
        shared=True,
    ),
    Table(
        "users",
        User,
        (
            Col("email"),
            Col("first_name"),
            Col("last_name"),
            Col("is_active"),
            Col("date_joined"),
        ),
        ("email",),
        "Comptes des membres de ces organisations et des auteurs des actions. Aucun mot de "
        "passe : chacun en choisit un nouveau (« Mot de passe oublié »).",
        kind="user",
        shared=True,
    ),
    Table(
        "memberships",
        Membership,
        (
            Col("user", ref="user"),
            Col("organisation", ref="organisation"),
            Col("role"),
            Col("is_active"),
            Col("created_at"),
        ),
        ("organisation", "user"),
        "Qui est membre de quelle organisation, avec quel rôle.",
        shared=True,
    ),
    Table(
        "places",
        Place,
        (
            Col("place"),
            *_cols(
                "source",
                "source_id",
                "pivot",
                "nom",
                "commune",
                "code_postal",
                "code_insee",
                "adresse",
                "complement_adresse",
                "latitude",
                "longitude",
                "coordinates_approximate",
                "typologie",
                "telephone",
                "courriels",
                "site_web",
                "horaires",
                "horaires_valid",
                "presentation_resume",
                "presentation_detail",
                "collected_by",
                "itinerance",
                "structure_parente",
                "date_maj",
                "services",
                "publics_specifiquement_adresses",
                "prise_en_charge_specifique",
                "frais_a_charge",
                "dispositif_programmes_nationaux",
                "formations_labels",
                "autres_formations_labels",
                "modalites_acces",
                "modalites_accompagnement",
                "fiche_acces_libre",
                "prise_rdv",
            ),
            Col("accepts_pass_numerique"),
            Col("commune_ref", ref="commune"),
            Col("structure", ref="organisation"),
            *_cols("removed_from_source_at", "closed"),
            Col("merged_into", ref="place"),
            *_cols("record", "local_edits", "local_edited_at", "row_hash", "created_at"),
            Col("updated_at"),
        ),
        ("place",),
        "Lieux de médiation du programme (champs du standard national des lieux de médiation "
        "numérique). Un lieu déjà connu (même source et même identifiant) est gardé.",
        kind="place",
        shared=True,
    ),
    Table(
        "place_matches",
        PlaceMatch,
        (
            Col("place_a", ref="place"),
            Col("place_b", ref="place"),
            *_cols("score", "name_score", "address_score", "distance_m", "status"),
            Col("decided_by", ref="user"),
            *_cols("decided_at", "created_at", "updated_at"),
        ),
        ("place_a", "place_b"),
        "Doublons possibles entre ces lieux et ce qui en a été décidé (« place_a » : celui des "
        "deux dont l'identifiant vient en premier) : ils expliquent « merged_into ». Une paire "
        "déjà connue de l'instance qui reçoit est gardée.",
        shared=True,
    ),
    Table(
        "program",
        Program,
        (
            Col("slug"),
            *_cols(
                "name",
                "unit_kind",
                "unit_value_cents",
                "starts_on",
                "ends_on",
                "time_zone",
                "carnet_sizes",
                "min_units_per_beneficiary",
                "yearly_cap_units",
                "max_group_size",
                "validity_mode",
                "validity_end_on",
                "validity_tolerance_days",
                "validity_months",
                "target_beneficiaries_per_year",
                "hourly_rate_individual_cents",
                "hourly_rate_collective_cents",
                "operator_fee_purchase_bp",
                "operator_fee_per_place_cents",
                "diagnostic_questions",
                "min_weekly_opening_hours",
                "min_age",
                "residence_required",
                "eligible_categories",
                "entry_diagnostic_required",
                "retention_months",
                "funded_cents",
                "committed_cents",
                "consumed_cents",
                "reimbursed_cents",
                "released_cents",
                "created_at",
            ),
            Col("lead_funder", ref="organisation"),
            Col("departements", ref="departement", many=True),
            Col("communes", ref="commune", many=True),
        ),
        ("slug",),
        "Le programme : ses règles, ses dates et ses compteurs de budget (en centimes).",
        kind="program",
    ),
    Table(
        "tracks",
        Track,
        (Col("program", ref="program"), Col("name"), Col("themes"), Col("eligibility")),
        (),
        "Parcours du programme, dans l'ordre du programme (le premier est celui par défaut).",
        kind="track",
    ),
    Table(
        "commitments",
        FundingCommitment,
        (
            Col("program", ref="program"),
            Col("funder", ref="organisation"),
            *_cols("category", "amount_cents", "share_cap_bp", "created_at"),
        ),
        ("funder",),
        "Engagements des financeurs (centimes ; part maximale en points de base).",
    ),
    Table(
        "quotas",
        PrescriberQuota,
        (
            Col("program", ref="program"),
            Col("prescriber", ref="organisation"),
            Col("units_allocated"),
            Col("units_issued"),
        ),
        ("prescriber",),
        "Unités attribuées à chaque prescripteur et unités déjà remises.",
    ),
    Table(
        "place_programs",
        PlaceProgram,
        (
            Col("place", ref="place"),
            Col("program", ref="program"),
            Col("link_source"),
            Col("created_by", ref="user"),
            Col("created_at"),
        ),
        ("place",),
        "Lieux qui acceptent les unités du programme.",
    ),
    Table(
        "calls",
        Call,
        (
            Col("uuid"),
            Col("program", ref="program"),
            *_cols("title", "text", "opens_on", "closes_on", "criteria", "status", "created_at"),
            Col("departements", ref="departement", many=True),
        ),
        ("uuid",),
        "Appels à manifestation d'intérêt du programme.",
        kind="call",
    ),
    Table(
        "applications",
        Application,
        (
            Col("uuid"),
            Col("call", ref="call"),
            Col("structure", ref="organisation"),
            *_cols(
                "siret",
                "rna",
                "new_places",
                "services",
                "weekly_opening_hours",
                "iban",
                "bic",
                "presentation",
                "status",
                "changes_message",
                "refusal_reason",
                "submitted_at",
                "decided_at",
                "created_at",
                "updated_at",
            ),
            Col("places", ref="place", many=True),
        ),
        ("uuid",),
        "Candidatures des structures (les pièces jointes, des fichiers, ne sont pas dans "
        "l'archive : l'ancien opérateur les transmet à part).",
        kind="application",
    ),
    Table(
        "reviews",
        Review,
        (
            Col("application", ref="application"),
            Col("reviewer", ref="user"),
            *_cols("scores", "total", "comment", "created_at"),
        ),
        ("application", "reviewer"),
        "Évaluations des candidatures (notes par critère).",
    ),
    Table(
        "agreements",
        Agreement,
        (
            Col("uuid"),
            Col("program", ref="program"),
            Col("structure", ref="organisation"),
            Col("application", ref="application"),
            *_cols("starts_on", "ends_on", "iban", "bic", "status", "status_reason", "created_at"),
            Col("places", ref="place", many=True),
        ),
        ("uuid",),
        "Conventions entre le programme et les structures, pour certains de leurs lieux.",
    ),
    Table(
        "beneficiaries",
        Beneficiary,
        (
            Col("uuid"),
            Col("prescriber", ref="organisation"),
            Col("first_name", personal=True),
            Col("last_name", personal=True),
            Col("birth_date", personal=True),
            *_cols("age_band", "anonymised_at"),
            Col("commune", ref="commune"),
            Col("phone", personal=True),
            Col("email", personal=True),
            *_cols(
                "categories",
                "consent_text_version",
                "consent_given_at",
                "consent_method",
                "created_at",
            ),
            Col("consent_collected_by", ref="user"),
        ),
        ("uuid",),
        extra=("identity_key",),
        description="Personnes accompagnées. Avec --pseudonymise : prénom « Personne », nom tiré de "
        "l'UUID, date de naissance ramenée au 1er janvier de l'année, ni téléphone ni "
        "courriel. La clé d'identité (qui reconnaît une personne d'un prescripteur à l'autre) "
        "n'est pas exportée : l'instance qui reçoit la recalcule avec sa propre clé.",
        kind="beneficiary",
        shared=True,
    ),
    Table(
        "beneficiary_structures",
        BeneficiaryStructure,
        (
            Col("beneficiary", ref="beneficiary"),
            Col("structure", ref="organisation"),
            Col("first_served_at"),
        ),
        ("beneficiary", "structure"),
        "Structures qui ont accompagné chaque personne (elles peuvent voir sa fiche).",
    ),
    Table(
        "orientations",
        Orientation,
        (
            Col("beneficiary", ref="beneficiary"),
            Col("prescriber", ref="organisation"),
            Col("place", ref="place"),
            Col("structure", ref="organisation"),
            Col("person_name", personal=True),
            Col("need", personal=True),
            Col("status"),
            Col("created_by", ref="user"),
            Col("created_at"),
            Col("outcome_by", ref="user"),
            Col("outcome_at"),
        ),
        ("beneficiary", "created_at", "place"),
        "Orientations des personnes du programme vers un lieu.",
    ),
    Table(
        "diagnostics",
        Diagnostic,
        (
            Col("beneficiary", ref="beneficiary"),
            Col("program", ref="program"),
            *_cols("kind", "answers", "score", "max_score", "level", "recommended_units"),
            Col("recommended_track", ref="track"),
            Col("chosen_units"),
            Col("chosen_track", ref="track"),
            Col("override_reason"),
            Col("created_by", ref="user"),
            Col("created_at"),
        ),
        ("beneficiary", "created_at", "kind"),
        "Diagnostics d'entrée et de sortie (réponses de 0 à 2 par compétence).",
    ),
    Table(
        "surveys",
        SatisfactionSurvey,
        (
            Col("beneficiary", ref="beneficiary"),
            Col("program", ref="program"),
            *_cols("helped", "confident", "recommend", "created_at"),
        ),
        ("beneficiary",),
        "Avis de fin de parcours (1 à 4).",
    ),
    Table(
        "serial_counter",
        SerialCounter,
        (
            Col("program", ref="program"),
            Col("prefix"),
            Col("next_number"),
            Col("next_carnet"),
        ),
        ("prefix",),
        "Où en est la série continue des numéros du programme (la suite continue après l'import).",
    ),
    Table(
        "allowances",
        Allowance,
        (
            Col("program", ref="program"),
            Col("beneficiary", ref="beneficiary", field="identity_key"),
            *_cols("year", "units_issued", "minutes_consumed", "cap"),
        ),
        ("beneficiary", "year"),
        "Unités reçues et minutes utilisées par personne et par année (plafond annuel). "
        "« beneficiary » : une personne de l'archive qui a cette identité ; vide quand toutes "
        "les fiches de la personne ont été rendues anonymes.",
    ),
    Table(
        "carnets",
        Carnet,
        (
            Col("number"),
            Col("program", ref="program"),
            Col("beneficiary", ref="beneficiary"),
            Col("prescriber", ref="organisation"),
            Col("track", ref="track"),
            *_cols(
                "units_count",
                "unit_value_cents",
                "program_year",
                "issued_at",
                "valid_until",
                "accepted_until",
                "delivery",
                "link_token_hash",
                "access_code_hash",
                "status",
            ),
            Col("replaces", ref="carnet"),
            Col("issued_by", ref="user"),
            *_cols("expiry_warned_at", "access_failed_attempts", "access_blocked_until"),
        ),
        ("number",),
        "Carnets et cartes. Codes gardés sous forme d'empreinte (HMAC-SHA-256, voir le "
        "manifeste pour la clé).",
        kind="carnet",
    ),
    Table(
        "units",
        Unit,
        (
            Col("serial"),
            Col("carnet", ref="carnet"),
            Col("program", ref="program"),
            *_cols(
                "position",
                "code_hash",
                "value_cents",
                "minutes_left",
                "state",
                "failed_attempts",
                "blocked_until",
                "consumed_at",
            ),
            Col("consumed_by", ref="organisation"),
        ),
        ("serial",),
        "Unités (chèques de 10 € ou heures), avec leur état.",
        kind="unit",
    ),
    Table(
        "sessions",
        Session,
        (
            Col("uuid"),
            Col("structure", ref="organisation"),
            Col("place", ref="place"),
            Col("program", ref="program"),
            *_cols("kind", "title", "starts_at", "duration_minutes"),
            Col("mediator", ref="user"),
            Col("track", ref="track"),
            *_cols(
                "themes",
                "max_group_size",
                "capacity",
                "seats_taken",
                "anonymous_count",
                "status",
                "reminder_sent_at",
                "created_at",
            ),
        ),
        ("starts_at", "uuid"),
        "Séances individuelles et ateliers collectifs.",
        kind="session",
    ),
    Table(
        "participants",
        Participant,
        (
            Col("session", ref="session"),
            Col("beneficiary", ref="beneficiary"),
            Col("status"),
            Col("waiting_position"),
            Col("booked_by", ref="organisation"),
            Col("consumed_minutes"),
            Col("created_at"),
        ),
        ("session", "beneficiary"),
        "Inscriptions et présences.",
    ),
    Table(
        "unit_events",
        UnitEvent,
        (
            Col("event"),
            Col("unit", ref="unit"),
            Col("kind"),
            Col("at"),
            Col("actor", ref="user"),
            Col("organisation", ref="organisation"),
            *_cols("reason", "minutes", "amount_cents", "data"),
        ),
        ("event",),
        "Le grand livre : chaque changement d'état d'une unité, jamais modifié. Dans « data », "
        "une séance est nommée par son UUID, un participant par « UUID de la séance/UUID de "
        "la personne ».",
        kind="event",
    ),
    Table(
        "claims",
        Claim,
        (
            Col("claim"),
            Col("structure", ref="organisation"),
            Col("program", ref="program"),
            *_cols("month", "note", "created_at"),
        ),
        ("claim",),
        "Demandes de remboursement mensuelles des structures.",
        kind="claim",
    ),
    Table(
        "payment_batches",
        PaymentBatch,
        (
            Col("message_id"),
            *_cols("until", "status", "total_cents", "created_at"),
            Col("created_by", ref="user"),
            Col("sent_at"),
            Col("paid_at"),
        ),
        ("message_id",),
        "Lots de paiement qui ont payé des lignes du programme. Un lot (et un virement) peut "
        "aussi payer des lignes d'autres programmes : son total est celui de la banque. Un lot "
        "déjà connu (même identifiant) est gardé.",
        kind="batch",
        shared=True,
    ),
    Table(
        "transfers",
        Transfer,
        (
            Col("end_to_end_id"),
            Col("batch", ref="batch"),
            Col("structure", ref="organisation"),
            *_cols("holder", "iban", "bic", "amount_cents", "status", "reject_reason"),
        ),
        ("end_to_end_id",),
        "Virements aux structures (coordonnées bancaires copiées au moment du lot). Un virement "
        "déjà connu est gardé.",
        kind="transfer",
        shared=True,
    ),
    Table(
        "pricing_lines",
        PricingLine,
        (
            Col("event", ref="event"),
            Col("structure", ref="organisation"),
            Col("program", ref="program"),
            *_cols("amount_cents", "happened_at", "status", "review_reason"),
            Col("reviewed_by", ref="user"),
            Col("contest_note"),
            Col("claim", ref="claim"),
            Col("transfer", ref="transfer"),
            Col("created_at"),
        ),
        ("event",),
        "Lignes de remboursement : une par utilisation ou correction, nommée par son événement.",
    ),
    Table(
        "control_findings",
        ControlFinding,
        (
            Col("line", ref="event", field="line__event"),
            *_cols("rule", "verdict", "explanation", "created_at"),
        ),
        ("line", "rule"),
        "Ce que les contrôles ont dit des lignes (« line » : l'événement de la ligne).",
    ),
    Table(
        "funder_documents",
        FunderDocument,
        (
            Col("number"),
            Col("kind"),
            Col("program", ref="program"),
            Col("funder", ref="organisation"),
            Col("batch", ref="batch"),
            *_cols("amount_cents", "label", "created_at"),
        ),
        ("number",),
        "Appels de fonds, frais de l'opérateur et avoirs des financeurs.",
    ),
)
