"""Every reply in both languages, kept in ``bijli/texts/*.yml`` (one place).

Each key has an ``hi`` and an ``en`` text with ``{named}`` placeholders.
A test checks that every key has both languages and the same placeholders.
"""
from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

TEXTS_DIR = Path(__file__).resolve().parent / "texts"


@lru_cache(maxsize=4)
def catalog(directory: Path = TEXTS_DIR) -> Dict[str, Dict[str, str]]:
    """Every text key with its languages, merged from the catalogue's files; a key defined twice fails."""
    merged: Dict[str, Dict[str, str]] = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"text key {key!r} defined twice ({path.name})")
            merged[key] = value
    return merged


def t(key: str, lang: str, **values) -> str:
    """The text for ``key`` in ``lang`` (falls back to Hindi), formatted."""
    entry = catalog()[key]
    template = entry.get(lang) or entry["hi"]
    return template.format(**values) if values else template
