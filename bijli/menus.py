"""Menus as data, loaded from ``menus.yml`` (defined once, edited there)."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

MENUS_FILE = Path(__file__).resolve().parent / "menus.yml"


@dataclass(frozen=True)
class Option:
    id: str
    labels: Tuple[Tuple[str, str], ...]
    buttons: Tuple[Tuple[str, str], ...] = ()
    value: Optional[str] = None   # on a form's menu: the slot value this option stands for

    def label(self, lang: str) -> str:
        d = dict(self.labels)
        return d.get(lang) or d.get("hi") or self.id

    def button(self, lang: str) -> str:
        """A label of at most 20 characters for a reply button."""
        d = dict(self.buttons)
        return (d.get(lang) or d.get("hi") or self.label(lang))[:20]


@dataclass(frozen=True)
class Menu:
    id: str
    titles: Tuple[Tuple[str, str], ...]
    options: Tuple[Option, ...]
    slot: Optional[str] = None    # a form's question: the slot its answer fills

    def title(self, lang: str) -> str:
        d = dict(self.titles)
        return d.get(lang) or d.get("hi") or ""

    def option(self, number: int) -> Optional[Option]:
        """Option by its 1-based number, or None if not on this menu."""
        if 1 <= number <= len(self.options):
            return self.options[number - 1]
        return None

    def number_of(self, option_id: str) -> int:
        for i, opt in enumerate(self.options, start=1):
            if opt.id == option_id:
                return i
        raise KeyError(option_id)

    def value_of(self, option_id: str) -> str:
        """The slot value of an option of a form's menu (its ``value``, else its id)."""
        return self.options[self.number_of(option_id) - 1].value or option_id

    def render(self, lang: str, title: Optional[str] = None) -> str:
        lines = [title if title is not None else self.title(lang)]
        lines += [f"{i}. {opt.label(lang)}" for i, opt in enumerate(self.options, start=1)]
        return "\n".join(lines)

    def valid_numbers(self) -> List[int]:
        return list(range(1, len(self.options) + 1))


def _load(path: Path) -> Dict[str, Menu]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    menus = {}
    for menu_id, spec in raw.items():
        opts = tuple(
            Option(id=o["id"],
                   labels=tuple((k, v) for k, v in o.items() if k not in ("id", "button", "value")),
                   buttons=tuple((o.get("button") or {}).items()),
                   value=o.get("value"))
            for o in spec.get("options", [])
        )
        menus[menu_id] = Menu(id=menu_id, titles=tuple(spec.get("title", {}).items()), options=opts,
                              slot=spec.get("slot"))
    return menus


@lru_cache(maxsize=4)
def load_menus(path: Path = MENUS_FILE) -> Dict[str, Menu]:
    """Menus by id. Read once per process from the file (immutable objects)."""
    return _load(path)


def menu(menu_id: str) -> Menu:
    """The menu called `menu_id` in menus.yml."""
    return load_menus()[menu_id]
