from bridgewatch.text import fold, nfc, slug


def test_fold_removes_diacritics_and_case_including_d_with_stroke():
    assert fold("Chợ Đồn") == "cho don"
    assert fold("BẮC KẠN") == "bac kan"
    assert fold("đường Đinh") == "duong dinh"


def test_fold_treats_nfd_input_like_nfc():
    decomposed = "Ba\u0300nh Tra\u0323ch"  # combining marks, as some keyboards type them
    assert fold(decomposed) == fold("Bành Trạch") == "banh trach"


def test_nfc_composes_and_collapses_spaces():
    assert nfc("  Xa\u0303   Na Rì ") == "Xã Na Rì"


def test_slug_is_ascii():
    assert slug("Huyện Chợ Đồn") == "huyen-cho-don"
