import re
import string

from bijli.i18n import catalog
from bijli.menus import load_menus, menu
from bijli.vocab import LANGUAGES


def test_walkthrough_numbers_are_fixed():
    main = menu("main")
    assert main.option(1).id == "complaint"
    assert main.option(2).id == "pay_bill"
    assert menu("lookup_method").option(1).id == "by_mobile"
    assert menu("lookup_method").option(2).id == "by_ivrs"
    assert [o.id for o in menu("area").options] == ["urban", "rural", "agriculture"]


def test_every_menu_option_has_both_languages_and_short_buttons():
    # What each option does: tests/unit/test_menu_rules.py (a rule or a form's slot).
    for m in load_menus().values():
        assert m.title("hi") and m.title("en")
        for opt in m.options:
            labels = dict(opt.labels)
            assert labels.get("hi") and labels.get("en"), opt.id
            assert len(opt.button("hi")) <= 20 and len(opt.button("en")) <= 20


def _fields(text):
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_text_exists_in_both_languages_with_the_same_placeholders():
    for key, entry in catalog().items():
        assert set(entry) >= set(LANGUAGES), key
        assert _fields(entry["hi"]) == _fields(entry["en"]), key


def test_hindi_texts_are_in_devanagari():
    for key, entry in catalog().items():
        if key.startswith("payment_note"):
            continue
        assert re.search("[\u0900-\u097F]", entry["hi"]) or not re.search("[a-z]{4,}", entry["hi"]), key
