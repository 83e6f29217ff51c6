"""Every rule starts within one turn (README "Cost of a turn").

The tracker store starts a new session after 10 messages, carrying the slots but not the
earlier turns. A rule that reached back past the current turn (an action, then a user
message, then the next step) could then stop matching after a session boundary.
"""
from pathlib import Path

import yaml

RULES = sorted((Path(__file__).resolve().parents[2] / "data" / "rules").glob("*.yml"))
USER_STEPS = ("intent", "or", "user")


def spans_turns(rule: dict) -> bool:
    """A user message after the rule's first step: it reaches into an earlier turn."""
    return any(key in step for step in (rule.get("steps") or [])[1:] for key in USER_STEPS)


def test_no_rule_has_a_user_message_after_its_first_step():
    assert RULES
    spanning = []
    for path in RULES:
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []:
            if spans_turns(rule):
                spanning.append(f"{path.name}: {rule.get('rule')}")
    assert spanning == []


def test_the_check_sees_a_rule_that_spans_two_turns():
    assert spans_turns({"steps": [{"action": "utter_ask_x"}, {"intent": "affirm"}, {"action": "action_y"}]})
    assert not spans_turns({"steps": [{"intent": "affirm"}, {"action": "action_y"}]})
