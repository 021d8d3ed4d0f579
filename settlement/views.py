from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.enums import OrganisationKind
from accounts.shortcuts import organisation_acting_as
from core.exceptions import PassnumError
from core.forms import add_errors
from settlement import perms, selectors, services
from settlement.forms import BatchForm, NoteForm, ReasonForm
from settlement.models import Claim, PaymentBatch, PricingLine, Transfer


def _require_operator(request):
    if not perms.can_run_settlement(request.user):
        raise PermissionDenied


@login_required
def batch_list(request):
    """The operator builds a payment batch and follows the earlier ones."""
    _require_operator(request)
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.batch_build(actor=request.user, until=form.cleaned_data["until"])
        except PassnumError as error:
            add_errors(form, error)
        else:
            for line in outcome.held_back:
                messages.warning(request, line)
            if outcome.batch is None:
                messages.info(request, "Rien de nouveau à payer jusqu'à cette date.")
            else:
                messages.success(request, f"Lot {outcome.batch.message_id} préparé.")
                return redirect("settlement:batch_detail", pk=outcome.batch.pk)
    return render(
        request,
        "settlement/batch_list.html",
        {"form": form, "batches": selectors.batches(), "summary": selectors.lines_summary()},
    )


@login_required
def batch_detail(request, pk: int):
    _require_operator(request)
    batch = get_object_or_404(PaymentBatch, pk=pk)
    return render(
        request,
        "settlement/batch_detail.html",
        {
            "batch": batch,
            "transfers": selectors.batch_transfers(batch=batch),
            "documents": batch.documents.select_related("funder", "program"),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def batch_status(request, pk: int):
    _require_operator(request)
    batch = get_object_or_404(PaymentBatch, pk=pk)
    step = request.POST.get("step")
    try:
        if step == "sent":
            services.batch_mark_sent(actor=request.user, batch=batch)
            messages.success(request, "Lot marqué envoyé à la banque.")
        elif step == "paid":
            services.batch_mark_paid(actor=request.user, batch=batch)
            messages.success(request, "Lot marqué payé : les structures sont remboursées.")
    except PassnumError as error:
        messages.error(request, str(error))
    return redirect("settlement:batch_detail", pk=batch.pk)


@login_required
@require_POST
def transfer_reject(request, pk: int):
    _require_operator(request)
    transfer = get_object_or_404(Transfer, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Motif du rejet : recopiez celui de la banque.")
    else:
        try:
            services.transfer_reject(
                actor=request.user, transfer=transfer, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "Virement rejeté : ses lignes iront dans le prochain lot.")
        except PassnumError as error:
            messages.error(request, str(error))
    return redirect("settlement:batch_detail", pk=transfer.batch_id)


@login_required
def structure_claims(request, organisation_pk: int):
    """A structure sees what it claimed month by month, what is paid, and the next transfer."""
    structure = organisation_acting_as(request, organisation_pk, OrganisationKind.STRUCTURE)
    return render(
        request,
        "settlement/structure_claims.html",
        {
            "organisation": structure,
            "claims": selectors.claims_of(structure=structure),
            "transfers": selectors.transfers_of(structure=structure)[:12],
            "next_transfer_on": selectors.next_transfer_on(),
        },
    )


@login_required
def claim_detail(request, pk: int):
    claim = get_object_or_404(Claim.objects.select_related("structure", "program"), pk=pk)
    if not perms.can_see_claim(request.user, claim):
        raise PermissionDenied
    form = NoteForm(request.POST or None, initial={"note": claim.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_note(actor=request.user, claim=claim, note=form.cleaned_data["note"])
        except PassnumError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Message enregistré : l'opérateur le lira.")
            return redirect("settlement:claim_detail", pk=claim.pk)
    return render(
        request,
        "settlement/claim_detail.html",
        {"claim": claim, "lines": selectors.claim_lines(claim=claim), "form": form},
    )


@login_required
@require_POST
def line_contest(request, pk: int):
    line = get_object_or_404(PricingLine.objects.select_related("claim__structure"), pk=pk)
    if line.claim is None or not perms.can_see_claim(request.user, line.claim):
        raise PermissionDenied
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Contestation : expliquez ce qui ne va pas.")
    else:
        try:
            services.line_contest(actor=request.user, line=line, note=form.cleaned_data["note"])
            messages.success(request, "Contestation envoyée : l'opérateur va revoir la ligne.")
        except PassnumError as error:
            messages.error(request, str(error))
    return redirect("settlement:claim_detail", pk=line.claim_id)


@login_required
def funder_documents(request, organisation_pk: int):
    funder = organisation_acting_as(request, organisation_pk, OrganisationKind.FUNDER)
    return render(
        request,
        "settlement/funder_documents.html",
        {"organisation": funder, "documents": selectors.documents_of(funder=funder)},
    )
