import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry
from places.models import Place, PlaceProgram
from programs import services
from programs.enums import AgreementStatus, ApplicationStatus
from programs.exceptions import ProgramsError, TransitionRefused
from programs.models import Agreement, Application
from programs.selectors import applications_ranked, program_coverage
from tests.fixtures_programs import VALID_BIC, VALID_IBAN


def _draft(call, structure, user, **fields):
    return services.application_save(
        actor=user,
        call=call,
        structure=structure,
        **{
            "rna": structure.rna,
            "services": ["Aide aux démarches administratives"],
            "weekly_opening_hours": 30,
            "iban": VALID_IBAN,
            "bic": VALID_BIC,
        }
        | fields,
    )


def _form_data(structure, **overrides):
    places = Place.objects.filter(structure=structure)
    return {
        "siret": "",
        "rna": structure.rna,
        "places": [p.pk for p in places],
        "new_places": "",
        "services": ["Aide aux démarches administratives"],
        "weekly_opening_hours": "30",
        "iban": VALID_IBAN,
        "bic": VALID_BIC,
        "presentation": "Nous accueillons le public du lundi au samedi.",
    } | overrides


def test_apply_changes_requested_resubmit_accepted_then_places_accept_the_program(
    client,
    django_capture_on_commit_callbacks,
    open_call,
    structure,
    structure_user,
    funder_user,
    program,
):
    client.force_login(structure_user)
    response = client.post(f"/programmes/appels/{open_call.pk}/candidater/", _form_data(structure))
    application = Application.objects.get()
    assert response.url == f"/programmes/candidatures/{application.pk}/"
    pdf = SimpleUploadedFile("statuts.pdf", b"%PDF-1.4 statuts", content_type="application/pdf")
    client.post(response.url, {"kind": "statutes", "file": pdf})
    assert application.attachments.count() == 1
    client.post(f"/programmes/candidatures/{application.pk}/action/", {"action": "submit"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    client.force_login(funder_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/programmes/candidatures/{application.pk}/action/",
            {"action": "request_changes", "message": "Ajoutez votre attestation d'assurance."},
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CHANGES_REQUESTED
    assert any("attestation d'assurance" in m.body for m in mail.outbox)
    assert structure_user.email in {address for m in mail.outbox for address in m.to}

    client.force_login(structure_user)
    page = client.get(f"/programmes/candidatures/{application.pk}/").content.decode()
    assert "Ajoutez votre attestation d&#x27;assurance." in page
    client.post(
        f"/programmes/candidatures/{application.pk}/modifier/",
        _form_data(structure, weekly_opening_hours="32"),
    )
    client.post(f"/programmes/candidatures/{application.pk}/action/", {"action": "submit"})
    application.refresh_from_db()
    assert (application.status, application.weekly_opening_hours) == (
        ApplicationStatus.SUBMITTED,
        32,
    )

    client.force_login(funder_user)
    client.post(
        f"/programmes/candidatures/{application.pk}/evaluation/",
        {"score_0": "8", "score_1": "4", "comment": "Bon ancrage"},
    )
    client.post(f"/programmes/candidatures/{application.pk}/action/", {"action": "accept"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    agreement = Agreement.objects.get()
    assert agreement.status == AgreementStatus.ACTIVE and agreement.places.count() == 2

    client.logout()
    search = client.get(
        "/lieux/", {"commune_label": "97437", "radius": "20", "program": program.pk}
    )
    content = search.content.decode()
    assert search.context["count"] == 2
    place = Place.objects.get(source_id="ultra-num-974-132")
    assert f"Accepte {program.name}" in client.get(f"/lieux/{place.pk}/").content.decode()
    assert content.count("Accepte Kap Konèk.t 2026</p>") == 2
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "application.submit",
        "application.request_changes",
        "application.accept",
        "agreement.created",
    } <= actions


def test_wrong_iban_is_refused_clearly_and_the_form_keeps_what_was_typed(
    client, open_call, structure, structure_user
):
    client.force_login(structure_user)
    data = _form_data(structure, iban="FR7630004000010001000000103", presentation="Texte gardé")
    response = client.post(f"/programmes/appels/{open_call.pk}/candidater/", data)
    content = response.content.decode()
    assert "IBAN invalide : la clé de contrôle ne correspond pas" in content
    assert "Texte gardé" in content
    assert 'value="FR7630004000010001000000103"' in content
    assert 'value="30"' in content
    assert not Application.objects.exists()


def test_submit_needs_the_program_minimum_opening_hours(open_call, structure, structure_user):
    application = _draft(open_call, structure, structure_user, weekly_opening_hours=20)
    with pytest.raises(ProgramsError, match="au moins 24 h"):
        services.application_submit(actor=structure_user, application=application)


def test_refusal_needs_a_reason_and_transitions_are_guarded(
    open_call, structure, structure_user, funder_user
):
    application = _draft(
        open_call, structure, structure_user, places=list(Place.objects.filter(structure=structure))
    )
    with pytest.raises(TransitionRefused):
        services.application_accept(actor=funder_user, application=application)
    services.application_submit(actor=structure_user, application=application)
    with pytest.raises(ProgramsError, match="motif"):
        services.application_refuse(actor=funder_user, application=application, reason=" ")
    services.application_refuse(
        actor=funder_user, application=application, reason="Hors territoire"
    )
    with pytest.raises(TransitionRefused):
        services.application_save(
            actor=structure_user,
            call=open_call,
            structure=structure,
            application=application,
            presentation="x",
        )


def test_suspending_an_agreement_removes_the_places_from_the_program_and_reactivating_restores(
    open_call, structure, structure_user, funder_user, program
):
    application = _draft(
        open_call, structure, structure_user, places=list(Place.objects.filter(structure=structure))
    )
    services.application_submit(actor=structure_user, application=application)
    agreement = services.application_accept(actor=funder_user, application=application)
    assert PlaceProgram.objects.filter(program=program).count() == 2
    with pytest.raises(ProgramsError, match="motif"):
        services.agreement_set_status(actor=funder_user, agreement=agreement, status="suspended")
    services.agreement_set_status(
        actor=funder_user, agreement=agreement, status="suspended", reason="Contrôle"
    )
    assert PlaceProgram.objects.filter(program=program).count() == 0
    services.agreement_set_status(actor=funder_user, agreement=agreement, status="active")
    assert PlaceProgram.objects.filter(program=program).count() == 2
    services.agreement_set_status(
        actor=funder_user, agreement=agreement, status="terminated", reason="Fin"
    )
    assert PlaceProgram.objects.filter(program=program).count() == 0


def test_reviews_are_bounded_and_rank_applications(
    open_call, structure, structure_user, funder_user, make_organisation, make_member
):
    application = _draft(
        open_call, structure, structure_user, places=list(Place.objects.filter(structure=structure))
    )
    services.application_submit(actor=structure_user, application=application)
    with pytest.raises(ProgramsError, match="se note de 0 à 5"):
        services.review_save(actor=funder_user, application=application, scores=[5, 6])
    services.review_save(actor=funder_user, application=application, scores=[5, 5])
    other = make_organisation(kinds=("structure",))
    other_user = make_member(other)
    second = _draft(
        open_call, other, other_user, new_places="Salle municipale, 1 rue de la Mairie, Bras-Panon"
    )
    services.application_submit(actor=other_user, application=second)
    services.review_save(actor=funder_user, application=second, scores=[9, 5])
    ranked = applications_ranked(call=open_call)
    assert [a.pk for a in ranked] == [second.pk, application.pk]


def test_attachments_refuse_wrong_types_and_sizes(client, open_call, structure, structure_user):
    application = _draft(open_call, structure, structure_user)
    client.force_login(structure_user)
    url = f"/programmes/candidatures/{application.pk}/"
    fake = SimpleUploadedFile("statuts.pdf", b"MZ\x90\x00 not a pdf")
    assert (
        "ne correspond pas à son extension"
        in client.post(url, {"kind": "statutes", "file": fake}).content.decode()
    )
    exe = SimpleUploadedFile("virus.exe", b"MZ")
    assert "Format refusé" in client.post(url, {"kind": "other", "file": exe}).content.decode()
    big = SimpleUploadedFile("gros.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024))
    assert "5 Mo au plus" in client.post(url, {"kind": "rib", "file": big}).content.decode()
    assert application.attachments.count() == 0


def test_other_structures_and_funders_cannot_see_an_application(
    client, open_call, structure, structure_user, make_organisation, make_member
):
    application = _draft(open_call, structure, structure_user)
    for kinds in (("structure",), ("funder",)):
        client.force_login(make_member(make_organisation(kinds=kinds)))
        assert client.get(f"/programmes/candidatures/{application.pk}/").status_code == 403
        assert (
            client.post(
                f"/programmes/candidatures/{application.pk}/action/", {"action": "accept"}
            ).status_code
            == 403
        )


def test_coverage_lists_communes_without_an_agreement_place_nearby(
    client, open_call, structure, structure_user, funder_user, program
):
    application = _draft(
        open_call, structure, structure_user, places=list(Place.objects.filter(structure=structure))
    )
    services.application_submit(actor=structure_user, application=application)
    services.application_accept(actor=funder_user, application=application)
    rows = {r.commune.name: r for r in program_coverage(program=program)}
    assert len(rows) == 24
    assert rows["Saint-Benoît"].structures == [structure.name]
    assert rows["Saint-Paul"].nearest_km > 30
    client.force_login(funder_user)
    page = client.get(
        f"/programmes/{program.slug}/couverture/", {"distance": "15"}
    ).content.decode()
    assert "Saint-Paul — lieu le plus proche à" in page
    assert "Saint-Benoît — " not in page
