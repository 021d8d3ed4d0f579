from core.text import normalize_search


def test_normalize_search_folds_accents_case_and_saint():
    assert normalize_search("Saint-Benoît") == "saint benoit"
    assert normalize_search("ST BENOIT") == "saint benoit"
    assert normalize_search("Ste-Marie") == "sainte marie"
    assert normalize_search("L'Étang-Salé") == "l etang sale"
    assert normalize_search("") == ""
