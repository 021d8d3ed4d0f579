"""Monthly payment batches of the demo year, through the settlement services: early each
month the operator decides on the lines the previous run held for review, builds the batch
of the month before (the controls run on its lines), sends it to the bank, and marks it paid
a few days later. What the last run held stays for the operator to look at."""

import datetime as dt

from settlement.enums import LineStatus
from settlement.models import PricingLine
from settlement.services import batch_build, batch_mark_paid, batch_mark_sent, line_review

REVIEW_REASON = "Montée en charge du programme : volume attendu, vérifié avec la structure."


def month_settle(operator, month_end: dt.date, batches: dict) -> None:
    for line in PricingLine.objects.filter(status=LineStatus.SUSPICIOUS).order_by("pk"):
        line_review(actor=operator, line=line, accept=True, reason=REVIEW_REASON)
    outcome = batch_build(actor=operator, until=month_end)
    if outcome.batch is not None:
        batches[month_end] = batch_mark_sent(actor=operator, batch=outcome.batch)


def month_pay(operator, month_end: dt.date, batches: dict) -> None:
    if batches.get(month_end) is not None:
        batch_mark_paid(actor=operator, batch=batches[month_end])
