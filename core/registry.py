"""What an app adds to the pages of apps below it in the layers, filled in each app's
AppConfig.ready(): the links of the organisation home, the sections and the timeline of a
person's page. The app that shows a page reads its slot and never imports the apps that fill
it."""

from collections import defaultdict

HOME_LINKS = "organisation.home_links"
BENEFICIARY_SECTIONS = "beneficiary.sections"
BENEFICIARY_TIMELINE = "beneficiary.timeline"
# callables(beneficiary_ids=...) -> rows (beneficiary_id, program_id, last activity): when
# each person was last accompanied, per program, for the anonymisation after retention
BENEFICIARY_ACTIVITY = "beneficiary.activity"
# callables(identity_key=...) run in the transaction that makes the last record of a person
# anonymous: what still links rows to that identity lets go of it
BENEFICIARY_ANONYMISED = "beneficiary.anonymised"
# callables(beneficiary=...) -> {section title: list of dicts}: what an app holds about a
# person, for the file of the right of access
BENEFICIARY_EXPORT = "beneficiary.export"
AUDIT_ACTIONS = "audit.actions"  # TextChoices naming the actions an app writes in the journal
LEDGER_EVENTS = "ledger.events"  # callables(events=...) run in the transaction of the events
LINE_CHECKS = "settlement.line_checks"  # callables(lines=...) that control pricing lines
# callables(actor=..., organisation=...) run in the transaction that validates an organisation
# that signed up by itself
ORGANISATION_VALIDATED = "organisation.validated"

_slots: dict[str, list] = defaultdict(list)


def contribute(slot: str, item) -> None:
    """Adds an item to a slot, once (ready() may run twice in tests)."""
    if item not in _slots[slot]:
        _slots[slot].append(item)


def contributions(slot: str) -> list:
    return list(_slots[slot])
