"""The menus (bijli/menus.yml) and the dialogue (domain/, data/rules/menus.yml) agree.

A menu option outside the forms does what the rule for its `choice` says; an
option of a form's menu fills the form's slot with its value. An option
without a rule, a rule for an option no menu has, or a value the domain does
not know would make a consumer's number do nothing (or the wrong thing), so
each fails here first.
"""
from pathlib import Path
from typing import Dict, List

import yaml

from bijli.flows.router import EXTRA_CHOICES
from bijli.menus import load_menus

ROOT = Path(__file__).resolve().parents[2]


def _domain() -> Dict:
    merged: Dict = {"slots": {}, "forms": {}}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        merged["slots"].update(doc.get("slots") or {})
        merged["forms"].update(doc.get("forms") or {})
    return merged


def _choice_rules() -> Dict[str, List[List[str]]]:
    """choice value -> the actions each rule for it runs next."""
    doc = yaml.safe_load((ROOT / "data" / "rules" / "menus.yml").read_text(encoding="utf-8"))
    found: Dict[str, List[List[str]]] = {}
    for rule in doc["rules"]:
        steps = rule["steps"]
        assert steps[0] == {"action": "action_read_choice"}, rule["rule"]
        slots = next(s["slot_was_set"] for s in steps if "slot_was_set" in s)
        [[name, value]] = [list(item.items())[0] for item in slots]
        assert name == "choice", rule["rule"]
        found.setdefault(str(value), []).append([s["action"] for s in steps[2:] if "action" in s])
    return found


def _outside_options() -> List[str]:
    return [o.id for m in load_menus().values() if m.slot is None for o in m.options]


def test_every_option_outside_the_forms_has_exactly_one_rule():
    rules = _choice_rules()
    missing = [o for o in _outside_options() if o not in rules]
    doubled = [o for o, found in rules.items() if len(found) > 1]
    assert missing == [] and doubled == []


def test_every_choice_rule_names_an_option_a_menu_has():
    known = set(_outside_options()) | set(EXTRA_CHOICES)
    assert sorted(set(_choice_rules()) - known) == []


def test_each_rule_goes_on_to_an_action_and_a_started_form_is_active():
    for choice, [actions] in _choice_rules().items():
        assert actions, choice
        assert all(a.startswith(("action_", "utter_")) or a.endswith("_form") for a in actions), choice


def test_the_choice_slot_knows_exactly_the_options_and_the_extra_choices():
    slot = _domain()["slots"]["choice"]
    assert slot["type"] == "categorical" and slot["influence_conversation"] is True
    assert set(slot["values"]) == set(_outside_options()) | set(EXTRA_CHOICES)


def test_a_form_menu_fills_a_required_slot_of_a_form_with_a_known_value():
    domain = _domain()
    required = {s for form in domain["forms"].values() for s in form["required_slots"]}
    form_menus = [m for m in load_menus().values() if m.slot is not None]
    assert {m.slot for m in form_menus} == required - {"ivrs"}  # the IVRS number is typed
    for m in form_menus:
        values = domain["slots"][m.slot]["values"]
        assert [m.value_of(o.id) in values for o in m.options] == [True] * len(m.options), m.id


def test_the_menu_slot_can_hold_every_menu():
    values = set(_domain()["slots"]["menu"]["values"])
    assert set(load_menus()) <= values
