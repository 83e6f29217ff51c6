"""One source for the closed vocabularies (bijli.vocab): the complaint categories,
the connection types and the languages. The menus a consumer sees, the norms, the
database models, the NLU and the dialogue's slots all agree with it, so a category
added in one place and forgotten in another fails here, not in a conversation."""
from pathlib import Path
from typing import Dict, Iterator, Tuple

import yaml

from bijli import complaints, models, nlu_rules, preferences, vocab
from bijli.complaints import load_norms
from bijli.menus import menu

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
SOURCE = {
    "area_type": vocab.AREA_TYPES,
    "complaint_category": vocab.COMPLAINT_CATEGORIES,
    "language": vocab.LANGUAGES,
}


def _domain_files() -> Iterator[Tuple[Path, Dict]]:
    for path in sorted(DOMAIN.glob("*.yml")):
        yield path, yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def test_the_other_modules_use_the_one_definition():
    assert complaints.CATEGORIES is vocab.COMPLAINT_CATEGORIES
    assert nlu_rules.COMPLAINT_CATEGORIES is vocab.COMPLAINT_CATEGORIES
    assert models.AREA_TYPES is vocab.AREA_TYPES
    assert nlu_rules.AREA_TYPES is vocab.AREA_TYPES
    assert nlu_rules.LANGUAGES is vocab.LANGUAGES
    assert preferences.LANGUAGES is vocab.LANGUAGES


def test_complaint_menu_offers_exactly_the_categories_in_order():
    ids = [o.id for o in menu("complaint_categories").options]
    assert ids == ["cat_" + c for c in vocab.COMPLAINT_CATEGORIES]


def test_area_menu_offers_exactly_the_connection_types_in_order():
    assert [o.id for o in menu("area").options] == list(vocab.AREA_TYPES)


def test_language_menu_offers_exactly_the_languages():
    assert [o.id for o in menu("language").options] == list(vocab.LANGUAGES)


def test_every_category_has_a_restoration_norm():
    assert set(load_norms()) == set(vocab.COMPLAINT_CATEGORIES)


def test_domain_knows_the_slots_and_entities():
    slots, entities = set(), set()
    for _, doc in _domain_files():
        slots |= set(doc.get("slots") or {})
        entities |= {e if isinstance(e, str) else next(iter(e)) for e in doc.get("entities") or []}
    assert set(SOURCE) <= slots
    assert set(SOURCE) <= entities


def test_domain_slot_values_match_the_source():
    """A categorical slot (or its ``values``) lists exactly the source's values."""
    for path, doc in _domain_files():
        for name, spec in (doc.get("slots") or {}).items():
            if name in SOURCE and "values" in (spec or {}):
                assert set(spec["values"]) == set(SOURCE[name]), f"{path.name}: slot {name}"


def test_domain_conditions_on_these_slots_use_known_values():
    """Responses conditioned on e.g. the language slot name only values that exist."""
    for path, doc in _domain_files():
        for key, variants in (doc.get("responses") or {}).items():
            for variant in variants or []:
                for cond in (variant or {}).get("condition") or []:
                    if cond.get("type") == "slot" and cond.get("name") in SOURCE:
                        assert cond.get("value") in SOURCE[cond["name"]], f"{path.name}: {key}"
