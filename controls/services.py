"""Controlling pricing lines before they can be paid: every rule of controls.rules runs on
the lines, what is not OK is kept as a ControlFinding, and each line leaves PRICED: rejected
(a refusal, KO), held for the operator (SUSPICIOUS) or accepted."""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Case, Q, QuerySet, Value, When

from controls.enums import Verdict
from controls.models import ControlFinding
from controls.rules import RULES, Facts, Finding, chunks
from settlement.enums import LineStatus
from settlement.models import PricingLine

REVIEW_REASON_MAX = 300
# Rejected lines get their own reason: one CASE per query, this many lines each.
REJECTED_PER_QUERY = 300
# Runs of consecutive ids per status update (SQLite parses a long OR as a deep tree).
RANGES_PER_QUERY = 200


@dataclass(frozen=True)
class CheckOutcome:
    """How many lines this run moved to each status (a line another run moved first is not
    counted)."""

    accepted: int = 0
    suspicious: int = 0
    rejected: int = 0


def lines_check(*, lines) -> CheckOutcome:
    """Runs every rule on the PRICED lines (instances, or a queryset read once as plain
    values), stores one finding per line and rule that is not OK (a second run adds none),
    then moves each line from PRICED: any KO → REJECTED with the first refusal as its reason;
    else any SUSPICIOUS → SUSPICIOUS, for the operator; else ACCEPTED. Registered in
    core.registry.LINE_CHECKS, called by settlement.services.lines_control."""
    if isinstance(lines, QuerySet):
        lines = lines.filter(status=LineStatus.PRICED)
    else:
        lines = [line for line in lines if line.status == LineStatus.PRICED]
        if not lines:
            return CheckOutcome()
    facts = Facts(lines)
    if not facts.lines:
        return CheckOutcome()
    findings: list[Finding] = [
        finding
        for rule in RULES
        for finding in rule(facts.lines, facts)
        if finding.verdict != Verdict.OK
    ]
    refusal: dict[int, str] = {}
    held: set[int] = set()
    for finding in findings:
        if finding.verdict == Verdict.KO:
            refusal.setdefault(finding.line_id, finding.explanation[:REVIEW_REASON_MAX])
        else:
            held.add(finding.line_id)
    held -= refusal.keys()
    accepted = [line.pk for line in facts.lines if line.pk not in refusal and line.pk not in held]
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
    """Conditional update from PRICED: a line another run already moved stays as it is. The
    lines are named by runs of consecutive ids (lines priced together are controlled
    together): one statement for the whole of a usual batch."""
    return sum(
        PricingLine.objects.filter(_among(chunk), status=LineStatus.PRICED).update(**changes)
        for chunk in chunks(id_runs(pks), size=RANGES_PER_QUERY)
    )


def id_runs(pks) -> list[tuple[int, int]]:
    """Sorted ids as runs of consecutive ids: [1, 2, 3, 7] -> [(1, 3), (7, 7)]. A run holds
    exactly the ids it was made of, so `pk BETWEEN first AND last` names them."""
    runs: list[list[int]] = []
    for pk in sorted(pks):
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return [(first, last) for first, last in runs]


def _among(runs: list[tuple[int, int]]) -> Q:
    single = [first for first, last in runs if first == last]
    ranges = [Q(pk__range=run) for run in runs if run[0] != run[1]]
    return reduce(or_, ranges + ([Q(pk__in=single)] if single else []))
