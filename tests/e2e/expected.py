"""What the bot must show, computed from the same catalogue the bot renders from.

The e2e tests compare replies with these exact texts, so that a wrong menu, a
wrong option list or the wrong connection fails the assertion (issue 10: "the
e2e assertions are exact"). They read ``bijli/menus.yml`` and ``bijli/texts``,
so a designer's relabelling keeps the tests green while a changed menu, order
or amount does not.
"""
from typing import Dict, List, Sequence, Tuple

from bijli.i18n import t
from bijli.menus import menu

MAIN = "main"
HELPLINE = "1912"


def shown_menu(menu_id: str, lang: str = "hi") -> str:
    """A menu's whole text as the bot sends it: title, numbered options and, on
    every menu but the main one, the "0 for the main menu" footer."""
    body = menu(menu_id).render(lang)
    return body if menu_id == MAIN else body + "\n" + t("menu_footer", lang)


def as_sent(text: str) -> str:
    """A text as ``Live.say`` returns it: Rasa's output channels send each
    blank-line-separated part as a message of its own, and ``say`` joins the
    messages with one newline."""
    return "\n".join(text.strip().split("\n\n"))


def says(key: str, lang: str = "hi", **values: object) -> str:
    """One catalogue text with its values filled in, as it arrives."""
    return as_sent(t(key, lang, **values))


def ivrs_line(ivrs: str, area: str, lang: str = "hi") -> str:
    """The bill's connection line, e.g. ``IVRS: 1100223344 (ग्रामीण)``: names the
    connection and its type, so the wrong connection fails."""
    return f"IVRS: {ivrs} ({t('area_' + area, lang)})"


def amount_line(amount: str, lang: str = "hi") -> str:
    """The bill's amount-due line, e.g. ``देय राशि: ₹612.00``."""
    return ("देय राशि: " if lang == "hi" else "Amount due: ") + amount


def connection_pick(mobile_masked: str, connections: Sequence[Tuple[str, str, str]],
                    lang: str = "hi") -> str:
    """The numbered list of a mobile's connections: (ivrs, area, masked name) each,
    in IVRS order, then the footer."""
    lines = [t("mobile_pick", lang, count=len(connections), mobile=mobile_masked)]
    lines += [f"{i}. {ivrs} ({t('area_' + area, lang)}) {name}"
              for i, (ivrs, area, name) in enumerate(connections, start=1)]
    return "\n".join(lines + [t("menu_footer", lang)])


def complaint_lines(category: str, ivrs: str, area: str, name: str, lang: str = "hi") -> Tuple[str, str]:
    """The complaint summary's type line and connection line, e.g.
    ``प्रकार: मीटर खराब / जला / तेज़`` and ``IVRS: N3210987654 (शहरी), सु*** व***``."""
    categories = menu("complaint_categories")
    label = categories.options[categories.number_of("cat_" + category) - 1].label(lang)
    return (("प्रकार: " if lang == "hi" else "Type: ") + label,
            f"{ivrs_line(ivrs, area, lang)}, {name}")


def history_lines(months: Sequence[str], rows: Sequence[Tuple[int, str, str]],
                  lang: str = "hi") -> List[str]:
    """The past-bills lines, newest first: one per (units, amount, state key) with
    its month from ``months`` (``YYYY-MM``), e.g. ``10/2026: 245 यूनिट, ₹1,847.00 — बकाया``."""
    from bijli.timefmt import month_label

    return [t("history_bill_line", lang, month=month_label(month), units=units, amount=amount,
              state=t("history_state_" + state, lang))
            for month, (units, amount, state) in zip(months, rows)]


def button_titles(menu_id: str, lang: str = "hi") -> Dict[str, str]:
    """A short menu's reply buttons as sent: payload (the option's number) -> short label."""
    return {str(i): option.button(lang) for i, option in enumerate(menu(menu_id).options, start=1)}


def option_labels(menu_id: str, lang: str = "hi") -> List[str]:
    """A menu's option labels in order (a WhatsApp list row shows one as title + description)."""
    return [option.label(lang) for option in menu(menu_id).options]
