from programs.models import Program


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
        "operator_fee_purchase_bp": "400",
        "operator_fee_per_place_cents": "7700",
        "min_weekly_opening_hours": "24",
        "tracks_text": "Généraliste : démarches, sécurité",
        "communes_text": "47001, 47157",
        "diagnostic_text": "Savez-vous allumer une tablette ?\nSavez-vous lire un courriel ?",
    }
    response = client.post("/programmes/nouveau/", data)
    program = Program.objects.get(slug="pass-test")
    assert response.url == "/programmes/pass-test/"
    assert (program.carnet_sizes, program.unit_value_cents, program.min_units_per_beneficiary) == (
        [5, 10],
        1000,
        5,
    )
    assert program.tracks.get().themes == "démarches, sécurité"
    assert sorted(program.communes.values_list("code", flat=True)) == ["47001", "47157"]
    page = client.get("/programmes/pass-test/").content.decode()
    assert "Carnets de 5 ou 10 unités" in page and "2 questions propres au programme" in page
    from beneficiaries.forms import DiagnosticForm

    form = DiagnosticForm(program=program, kind="entry")
    assert [f.label for f in form if f.name.startswith("skill_")] == [
        "Savez-vous allumer une tablette ?",
        "Savez-vous lire un courriel ?",
    ]
    bad = client.post("/programmes/nouveau/", data | {"slug": "autre", "communes_text": "99999"})
    assert "Codes INSEE inconnus : 99999." in bad.content.decode()


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
            "operator_fee_purchase_bp": "0",
            "operator_fee_per_place_cents": "0",
            "min_weekly_opening_hours": "24",
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
