"""The closed vocabularies shared by the database, the NLU and the menus.

One source for each: the complaint categories (``bijli/norms.yml`` has one
rule per category, menus.yml one ``cat_<category>`` option each), the
connection (area) types (``consumers.area_type``, the ``area`` menu) and the
reply languages. ``bijli.complaints``, ``bijli.models`` and
``bijli.nlu_rules`` import them from here, so that adding a category is one
edit plus its menu option and norm (tests/unit/test_vocab.py checks both).
Pure Python: no Rasa, no SQLAlchemy.
"""
from typing import Tuple

# In menu order (bijli/menus.yml ``complaint_categories``).
COMPLAINT_CATEGORIES: Tuple[str, ...] = (
    "no_supply", "voltage", "meter", "line_damage", "transformer", "billing", "other",
)
# In menu order (bijli/menus.yml ``area``).
AREA_TYPES: Tuple[str, ...] = ("urban", "rural", "agriculture")
LANGUAGES: Tuple[str, ...] = ("hi", "en")

__all__ = ["AREA_TYPES", "COMPLAINT_CATEGORIES", "LANGUAGES"]
