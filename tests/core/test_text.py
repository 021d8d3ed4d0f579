from core.text import normalize_search


def test_normalize_search_folds_accents_case_and_saint():
    assert normalize_search("Saint-Benoît") == "saint benoit"
    assert normalize_search("ST BENOIT") == "saint benoit"
    assert normalize_search("Ste-Marie") == "sainte marie"
    assert normalize_search("L'Étang-Salé") == "l etang sale"
    assert normalize_search("") == ""


def test_phone_numbers_read_by_pairs_and_dial_as_given():
    from core.text import phone_digits, phone_display

    assert phone_display("+262262123456") == "02 62 12 34 56"
    assert phone_display("+262 692 12 34 56") == "06 92 12 34 56"
    assert phone_display("+33553123456") == "05 53 12 34 56"
    assert phone_display("05.53.12.34.56") == "05 53 12 34 56"
    assert phone_display("+441234567890") == "+441234567890"  # not French: as given
    assert phone_display("3939") == "3939" and phone_display("") == ""
    assert phone_digits("+262 262 12-34-56") == "+262262123456"
    assert phone_digits("02 62 12 34 56") == "0262123456"


def test_de_is_elided_before_a_vowel_and_contracted_before_le_les():
    from core.text import of

    assert of("Agen") == "d'Agen"
    assert of("Agen (47000)") == "d'Agen (47000)"
    assert of("Étang-Salé") == "d'Étang-Salé"
    assert of("Hérouville") == "d'Hérouville"
    assert of("Hautes-Rivières") == "de Hautes-Rivières"
    assert of("Saint-Paul") == "de Saint-Paul"
    assert of("Le Port") == "du Port"
    assert of("Les Avirons") == "des Avirons"
    assert of("La Possession") == "de La Possession"
    assert of("novembre 2026") == "de novembre 2026"
    assert of("avril 2026") == "d'avril 2026"


def test_units_are_named_by_what_they_are():
    from programs.models import Program

    hours, money = Program(unit_kind="hours"), Program(unit_kind="money")
    assert (hours.unit_word(1), hours.unit_word(10)) == ("heure", "heures")
    assert (money.unit_word(1), money.unit_word()) == ("chèque", "chèques")
    assert hours.unit_agree("utilisé", 3) == "utilisées"
    assert money.unit_agree("utilisé", 1) == "utilisé"
