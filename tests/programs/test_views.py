"""programs.views: programs and their rules, calls and applications, managing a place."""

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organisation
from core.models import AuditEntry
from places.models import Place
from programs.enums import AgreementStatus, ApplicationStatus
from programs.models import Agreement, Application, Program
from tests.factories import VALID_BIC, VALID_IBAN, ApplicationFactory, CommitmentFactory

FORM = {
    "name": "Kap test",
    "slug": "kap-test",
    "departements": ["974"],
    "unit_kind": "hours",
    "starts_on": "2026-01-01",
    "ends_on": "2026-12-31",
    "time_zone": "Indian/Reunion",
    "carnet_sizes_text": "10",
    "unit_value_euros": "1",
    "hourly_rate_individual_euros": "30",
    "hourly_rate_collective_euros": "10",
    "min_units_per_beneficiary": "1",
    "yearly_cap_units": "10",
    "max_group_size": "5",
    "validity_mode": "fixed_end",
    "validity_end_on": "2026-12-31",
    "validity_tolerance_days": "31",
    "target_beneficiaries_per_year": "1000",
    "operator_fee_purchase_percent": "0",
    "operator_fee_per_place_euros": "0",
    "min_weekly_opening_hours": "24",
    "retention_months": "36",
}


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


def test_a_funder_creates_a_program_from_the_form(client, communes, funder, funder_user):
    client.force_login(funder_user)
    data = {
        "name": "Pass numérique test",
        "slug": "pass-test",
        "lead_funder": funder.pk,
        "departements": ["47"],
        "unit_kind": "money",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "time_zone": "Europe/Paris",
        "carnet_sizes_text": "5, 10",
        "unit_value_euros": "10",
        "hourly_rate_individual_euros": "0",
        "hourly_rate_collective_euros": "0",
        "min_units_per_beneficiary": "5",
        "yearly_cap_units": "",
        "max_group_size": "5",
        "validity_mode": "fixed_end",
        "validity_end_on": "2026-12-31",
        "validity_tolerance_days": "31",
        "validity_months": "",
        "target_beneficiaries_per_year": "2500",
        "operator_fee_purchase_percent": "4,5",
        "operator_fee_per_place_euros": "77",
        "min_weekly_opening_hours": "24",
        "tracks_text": "Généraliste : démarches, sécurité",
        "communes": ["47001"],
        "communes_label": "47157",
        "diagnostic_text": "Savez-vous allumer une tablette ?\nSavez-vous lire un courriel ?",
        "retention_months": "48",
    }
    too_short = client.post("/programmes/nouveau/", data | {"retention_months": "3"})
    assert "supérieure ou égale à 12" in too_short.content.decode()
    response = client.post("/programmes/nouveau/", data)
    program = Program.objects.get(slug="pass-test")
    assert program.retention_months == 48
    assert response.url == "/programmes/pass-test/"
    assert (program.carnet_sizes, program.unit_value_cents, program.min_units_per_beneficiary) == (
        [5, 10],
        1000,
        5,
    )
    assert program.tracks.get().themes == "démarches, sécurité"
    assert sorted(program.communes.values_list("code", flat=True)) == ["47001", "47157"]
    assert list(program.departements.values_list("code", flat=True)) == ["47"]
    assert (program.operator_fee_purchase_bp, program.operator_fee_per_place_cents) == (450, 7700)
    page = client.get("/programmes/pass-test/").content.decode()
    assert "Carnets de 5 ou 10 chèques" in page and "2 questions propres au programme" in page
    from beneficiaries.forms import DiagnosticForm

    form = DiagnosticForm(program=program, kind="entry")
    assert [f.label for f in form if f.name.startswith("skill_")] == [
        "Savez-vous allumer une tablette ?",
        "Savez-vous lire un courriel ?",
    ]
    bad = client.post(
        "/programmes/nouveau/", data | {"slug": "autre", "communes_label": "Agen, Nullepart"}
    )
    content = bad.content.decode()
    assert "Commune introuvable : « Nullepart »" in content
    # What was found stays checked, what was not stays typed.
    assert 'value="47001" id="id_communes-47001" checked' in content
    assert 'name="communes_label" value="Nullepart"' in content


def test_program_form_keeps_input_when_validity_is_missing(client, communes, funder, funder_user):
    client.force_login(funder_user)
    response = client.post(
        "/programmes/nouveau/",
        {
            "name": "Sans validité",
            "slug": "sans",
            "lead_funder": funder.pk,
            "unit_kind": "money",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "time_zone": "Europe/Paris",
            "carnet_sizes_text": "10",
            "unit_value_euros": "10",
            "hourly_rate_individual_euros": "0",
            "hourly_rate_collective_euros": "0",
            "min_units_per_beneficiary": "1",
            "max_group_size": "5",
            "validity_mode": "fixed_end",
            "validity_tolerance_days": "31",
            "target_beneficiaries_per_year": "0",
            "operator_fee_purchase_percent": "0",
            "operator_fee_per_place_euros": "0",
            "min_weekly_opening_hours": "24",
            "retention_months": "36",
        },
    )
    content = response.content.decode()
    assert "Indiquez la date de fin de validité" in content
    assert 'value="Sans validité"' in content
    assert not Program.objects.filter(slug="sans").exists()


def test_only_funders_create_programs_and_other_funders_cannot_manage(
    client, program, make_organisation, make_member
):
    client.force_login(make_member(make_organisation(kinds=("structure",))))
    assert client.get("/programmes/nouveau/").status_code == 403
    client.force_login(make_member(make_organisation(kinds=("funder",))))
    assert client.get(f"/programmes/{program.slug}/").status_code == 403
    assert client.get(f"/programmes/{program.slug}/quotas/").status_code == 403


def test_the_funder_sets_the_eligibility_rules_in_the_program_form(
    client, communes, funder, funder_user
):
    client.force_login(funder_user)
    response = client.post(
        "/programmes/nouveau/",
        FORM
        | {
            "lead_funder": funder.pk,
            "min_age": "18",
            "residence_required": "on",
            "eligible_categories": ["senior", "job_seeker"],
            "entry_diagnostic_required": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    program = Program.objects.get(slug="kap-test")
    assert (program.min_age, program.residence_required, program.entry_diagnostic_required) == (
        18,
        True,
        True,
    )
    assert program.eligible_categories == ["job_seeker", "senior"]
    page = client.get("/programmes/kap-test/").content.decode()
    assert "les personnes de 18 ans et plus qui habitent le territoire du programme" in page
    assert "Personne âgée (plus de 60 ans)" in page
    assert "le diagnostic d'entrée se fait avant la remise du carnet" in page


def test_a_program_without_rules_is_open_to_everyone(client, communes, funder, funder_user):
    client.force_login(funder_user)
    client.post("/programmes/nouveau/", FORM | {"lead_funder": funder.pk})
    program = Program.objects.get(slug="kap-test")
    assert (program.min_age, program.residence_required, program.eligible_categories) == (
        None,
        False,
        [],
    )
    assert not program.entry_diagnostic_required


def test_an_hours_program_needs_a_rate_and_sizes_within_the_cap(
    client, communes, funder, funder_user
):
    client.force_login(funder_user)
    data = FORM | {
        "name": "Heures",
        "slug": "heures",
        "lead_funder": funder.pk,
        "carnet_sizes_text": "10, 20",
        "hourly_rate_individual_euros": "0",
        "hourly_rate_collective_euros": "0",
    }
    content = client.post("/programmes/nouveau/", data).content.decode()
    assert "ne peut pas dépasser le plafond annuel de 10 heures" in content
    assert 'value="10, 20"' in content  # what was typed is kept
    content = client.post("/programmes/nouveau/", data | {"carnet_sizes_text": "10"}).content
    assert "Indiquez ce que rapporte une heure" in content.decode()
    assert not Program.objects.filter(slug="heures").exists()


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
    assert f"Ce lieu accepte {program.name}" in client.get(f"/lieux/{place.pk}/").content.decode()
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


def test_attachments_refuse_wrong_types_and_sizes(client, open_call, structure, structure_user):
    application = ApplicationFactory(call=open_call, structure=structure, actor=structure_user)
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
    application = ApplicationFactory(call=open_call, structure=structure, actor=structure_user)
    for kinds in (("structure",), ("funder",)):
        client.force_login(make_member(make_organisation(kinds=kinds)))
        assert client.get(f"/programmes/candidatures/{application.pk}/").status_code == 403
        assert (
            client.post(
                f"/programmes/candidatures/{application.pk}/action/", {"action": "accept"}
            ).status_code
            == 403
        )


def test_the_application_form_lists_only_the_structures_own_places(
    client, open_call, structure, structure_user, other_structure
):
    client.force_login(structure_user)
    response = client.get(f"/programmes/appels/{open_call.pk}/candidater/")
    offered = set(response.context["form"].fields["places"].queryset)
    assert offered == set(Place.objects.filter(structure=structure)) and len(offered) == 2
    theirs = Place.objects.get(structure=other_structure)
    response = client.post(
        f"/programmes/appels/{open_call.pk}/candidater/",
        {
            "rna": structure.rna,
            "places": [theirs.pk],
            "services": ["Aide aux démarches administratives"],
            "weekly_opening_hours": "30",
            "iban": VALID_IBAN,
            "bic": VALID_BIC,
        },
    )
    assert response.status_code == 200 and not open_call.applications.exists()
    assert "places" in response.context["form"].errors


def test_no_attachment_once_submitted_and_a_bad_review_keeps_what_was_typed(
    client, open_call, structure, structure_user, funder_user
):
    application = ApplicationFactory(
        call=open_call, structure=structure, actor=structure_user, submitted=True
    )
    client.force_login(structure_user)
    pdf = SimpleUploadedFile("rib.pdf", b"%PDF-1.4 rib")
    assert (
        client.post(
            f"/programmes/candidatures/{application.pk}/", {"kind": "rib", "file": pdf}
        ).status_code
        == 403
    )
    client.force_login(funder_user)
    response = client.post(
        f"/programmes/candidatures/{application.pk}/evaluation/",
        {"score_0": "12", "score_1": "3", "comment": "Très bon ancrage"},
    )
    content = response.content.decode()
    assert response.status_code == 200 and "Très bon ancrage" in content and 'value="3"' in content


def test_operator_links_a_place_to_a_structure_and_a_program(
    client, reunion_places, make_organisation, make_member, make_program
):
    operator = make_member(make_organisation(kinds=("operator",)))
    program = make_program()
    structure = make_organisation()
    place = Place.objects.first()
    client.force_login(operator)
    client.post(
        f"/programmes/lieux/{place.pk}/gerer/",
        {"structure": structure.pk, "programs": [program.pk]},
    )
    place.refresh_from_db()
    assert place.structure == structure
    assert list(place.program_links.values_list("program", flat=True)) == [program.pk]
    client.post(f"/programmes/lieux/{place.pk}/gerer/", {"structure": structure.pk})
    assert not place.program_links.exists()


def _settings_data(client, url):
    """The settings form as the page fills it, ready to post back."""
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name in ("departements", "communes"):
            data[name] = [item.pk for item in value or []]
        elif isinstance(value, list):
            data[name] = value
        elif value is None:
            data[name] = ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = (
                str(value).replace(".", ",")
                if name.endswith(("_euros", "_percent"))
                else str(value)
            )
    return data


def test_the_funder_edits_the_settings_in_euros_until_the_first_carnet(
    client, program, funder, funder_user, prescriber
):
    from programs import services

    url = f"/programmes/{program.slug}/reglages/"
    client.force_login(funder_user)
    page = client.get(url).content.decode()
    assert 'name="hourly_rate_individual_euros" value="30"' in page
    assert 'value="974" id="id_departements-974" checked' in page
    data = _settings_data(client, url) | {
        "hourly_rate_individual_euros": "32,50",
        "operator_fee_purchase_percent": "4",
        "communes_label": "Saint-Paul",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    program.refresh_from_db()
    assert (program.hourly_rate_individual_cents, program.operator_fee_purchase_bp) == (3250, 400)
    assert list(program.communes.values_list("code", flat=True)) == ["97415"]

    CommitmentFactory(program=program, actor=funder_user, amount_cents=1_000_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=100)
    services.budget_reserve(program=program, prescriber=prescriber, units=10)
    page = client.get(url).content.decode()
    assert "Des carnets ont déjà été remis" in page
    assert 'name="hourly_rate_individual_euros"' not in page
    assert "<dt>Remboursement d&#x27;une heure individuelle (€)</dt><dd>32,5</dd>" in page
    data = _settings_data(client, url)
    assert "hourly_rate_individual_euros" not in data and "name" in data
    response = client.post(
        url, data | {"name": "Kap 2026-2027", "hourly_rate_individual_euros": "1"}
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert (program.name, program.hourly_rate_individual_cents) == ("Kap 2026-2027", 3250)
    earlier = client.post(url, data | {"ends_on": "2026-06-30"})
    assert "peut seulement être prolongée" in earlier.content.decode()


def test_the_settings_page_is_for_the_programs_managers(
    client, program, make_organisation, make_member
):
    client.force_login(make_member(make_organisation(kinds=("funder",))))
    assert client.get(f"/programmes/{program.slug}/reglages/").status_code == 403


def test_the_scoring_grid_is_edited_as_rows(client, program, funder_user):
    client.force_login(funder_user)
    url = f"/programmes/{program.slug}/appels/nouveau/"
    page = client.get(url).content.decode()
    assert page.count('name="criteres-') >= 6 + 4  # 3 rows of 2 fields, management form
    data = {
        "title": "Appel 2027",
        "text": "Rejoignez le programme.",
        "opens_on": "2026-12-01",
        "closes_on": "2027-01-31",
        "criteres-TOTAL_FORMS": "3",
        "criteres-INITIAL_FORMS": "0",
        "criteres-MIN_NUM_FORMS": "0",
        "criteres-MAX_NUM_FORMS": "30",
        "criteres-0-label": "Ancrage local",
        "criteres-0-max_points": "10",
        "criteres-1-label": "",
        "criteres-1-max_points": "",
        "criteres-2-label": "",
        "criteres-2-max_points": "5",
    }
    more = client.post(url, data | {"more_rows": "1"})
    assert more.status_code == 200 and 'name="criteres-5-label"' in more.content.decode()
    assert 'value="Ancrage local"' in more.content.decode()
    assert not program.calls.exists()
    refused = client.post(url, data).content.decode()
    assert "Écrivez le critère noté sur ces points" in refused
    empty = client.post(
        url,
        data | {"criteres-0-label": "", "criteres-0-max_points": "", "criteres-2-max_points": ""},
    )
    assert "indiquez au moins un critère" in empty.content.decode()
    response = client.post(url, data | {"criteres-2-label": "Accessibilité"})
    call = program.calls.get()
    assert response.url == f"/programmes/appels/{call.pk}/"
    assert call.criteria == [
        {"label": "Ancrage local", "max_points": 10},
        {"label": "Accessibilité", "max_points": 5},
    ]


def test_an_agreement_change_starts_from_no_choice_and_is_confirmed(
    client, program, structure, funder_user
):
    from tests.factories import AgreementFactory

    agreement = AgreementFactory(
        program=program, structure=structure, accepted_by=funder_user, active=True
    )
    client.force_login(funder_user)
    page = client.get(f"/programmes/{program.slug}/").content.decode()
    assert '<option value="" selected disabled>Choisir une action</option>' in page
    url = f"/programmes/conventions/{agreement.pk}/etat/"
    nothing = client.post(url, {"status": "", "reason": ""}).content.decode()
    assert "Choisissez ce qu&#x27;il faut faire de la convention." in nothing
    no_reason = client.post(url, {"status": "suspended", "reason": ""}).content.decode()
    assert "Écrivez le motif" in no_reason
    asked = client.post(url, {"status": "suspended", "reason": "Pièces manquantes"})
    content = asked.content.decode()
    assert "Suspendre cette convention ?" in content and "Confirmer : suspendre" in content
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    done = client.post(url, {"status": "suspended", "reason": "Pièces manquantes", "confirm": "1"})
    assert done.url == f"/programmes/{program.slug}/"
    agreement.refresh_from_db()
    assert (agreement.status, agreement.status_reason) == ("suspended", "Pièces manquantes")


def test_a_prescriber_waiting_for_validation_gets_no_quota(
    client, program, funder_user, make_organisation
):
    waiting = make_organisation(name="CCAS en attente", kinds=("prescriber",))
    Organisation.objects.filter(pk=waiting.pk).update(habilitation="pending")
    validated = make_organisation(name="CCAS validé", kinds=("prescriber",))
    client.force_login(funder_user)
    page = client.get(f"/programmes/{program.slug}/quotas/").content.decode()
    assert "CCAS validé" in page and "CCAS en attente" not in page
    refused = client.post(
        f"/programmes/{program.slug}/quotas/", {"prescriber": waiting.pk, "units": "10"}
    )
    assert refused.status_code == 200 and not program.quotas.exists()
    assert validated.pk
