"""Controlling pricing lines before they can be paid: every rule of controls.rules runs on
the lines, what is not OK is kept as a ControlFinding, and each line leaves PRICED: rejected
(a refusal, KO), held for the operator (SUSPICIOUS) or accepted."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Value, When

from controls.enums import Verdict
from controls.models import ControlFinding
from controls.rules import RULES, Facts, Finding, chunks
from settlement.enums import LineStatus
from settlement.models import PricingLine

REVIEW_REASON_MAX = 300
# Rejected lines get their own reason: one CASE per query, this many lines each.
REJECTED_PER_QUERY = 300


@dataclass(frozen=True)
class CheckOutcome:
    """How many lines this run moved to each status (a line another run moved first is not
    counted)."""

    accepted: int = 0
    suspicious: int = 0
    rejected: int = 0


def lines_check(*, lines) -> CheckOutcome:
    """Runs every rule on the PRICED lines (with `event__unit` and `program` loaded), stores
    one finding per line and rule that is not OK (a second run adds none), then moves each
    line from PRICED: any KO → REJECTED with the first refusal as its reason; else any
    SUSPICIOUS → SUSPICIOUS, for the operator; else ACCEPTED. Registered in
    core.registry.LINE_CHECKS, called by settlement.services.lines_control."""
    lines = [line for line in lines if line.status == LineStatus.PRICED]
    if not lines:
        return CheckOutcome()
    facts = Facts(lines)
    findings: list[Finding] = [
        finding for rule in RULES for finding in rule(lines, facts) if finding.verdict != Verdict.OK
    ]
    refusal: dict[int, str] = {}
    held: set[int] = set()
    for finding in findings:
        if finding.verdict == Verdict.KO:
            refusal.setdefault(finding.line_id, finding.explanation[:REVIEW_REASON_MAX])
        else:
            held.add(finding.line_id)
    held -= refusal.keys()
    accepted = [line.pk for line in lines if line.pk not in refusal and line.pk not in held]
    counts = {"accepted": 0, "suspicious": 0, "rejected": 0}
    with transaction.atomic():
        ControlFinding.objects.bulk_create(
            (
                ControlFinding(
                    line_id=finding.line_id,
                    rule=finding.rule,
                    verdict=finding.verdict,
                    explanation=finding.explanation,
                )
                for finding in findings
            ),
            ignore_conflicts=True,
            batch_size=1000,
        )
        for chunk in chunks(sorted(refusal), size=REJECTED_PER_QUERY):
            reasons = Case(*(When(pk=pk, then=Value(refusal[pk])) for pk in chunk))
            counts["rejected"] += _move(chunk, status=LineStatus.REJECTED, review_reason=reasons)
        counts["suspicious"] += _move(sorted(held), status=LineStatus.SUSPICIOUS)
        counts["accepted"] += _move(accepted, status=LineStatus.ACCEPTED)
    return CheckOutcome(**counts)


def _move(pks: list[int], **changes) -> int:
    """Conditional update from PRICED: a line another run already moved stays as it is."""
    return sum(
        PricingLine.objects.filter(pk__in=chunk, status=LineStatus.PRICED).update(**changes)
        for chunk in chunks(pks)
    )
