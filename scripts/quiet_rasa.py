"""Rasa's command line, with the warning filters of PYTHONWARNINGS (Makefile) in force.

Why not PYTHONWARNINGS alone: every Rasa command imports sanic, whose import puts
`once::DeprecationWarning` in front of the environment's filters, and then Rasa puts
`once::UserWarning` there (pyparsing's deprecations are both). So the library deprecations that
the Makefile names (pkg_resources, jax, matplotlib's pyparsing) print anyway and bury what
matters. This puts the environment's filters back in front once sanic is imported and once Rasa
has set up its own.
Nothing else changes: errors, Rasa's warnings about the domain and data, and every warning the
environment does not name still print.

Use: `python -m scripts.quiet_rasa <rasa arguments>` (serve.sh and the Makefile do).
"""
import builtins
import importlib
import re
import sys
import warnings
from typing import Any, Literal, Optional, Type

Action = Literal["default", "always", "ignore", "module", "once", "error"]
ACTIONS: tuple[Action, ...] = ("default", "always", "ignore", "module", "once", "error")


def _category(name: str) -> Type[Warning]:
    """The warning class a filter names: a builtin, or `module.Class`."""
    if "." in name:
        module, _, attribute = name.rpartition(".")
        found = getattr(importlib.import_module(module), attribute, None)
    else:
        found = getattr(builtins, name, None)
    if not (isinstance(found, type) and issubclass(found, Warning)):
        raise ValueError(f"PYTHONWARNINGS names no warning category: {name!r}")
    return found


def reapply(options: list[str]) -> None:
    """Insert each `action:message:category:module:lineno` filter again, as Python's -W does.

    Each goes to the front, in the given order, so that the last one wins, as at startup.
    """
    for option in options:
        name, message, category, module, lineno = (option.split(":") + [""] * 5)[:5]
        action = next((known for known in ACTIONS if known.startswith(name.strip())), ACTIONS[0])
        warnings.filterwarnings(
            action, message=re.escape(message.strip()), category=_category(category.strip() or "Warning"),
            module=re.escape(module.strip()) + r"\Z" if module.strip() else "", lineno=int(lineno or 0))


def main(argv: Optional[list[str]] = None) -> None:
    """Run `rasa` with argv, the environment's warning filters in front of sanic's and Rasa's."""
    import sanic  # noqa: F401  (imported for its side effect on warnings.filters)

    reapply(list(sys.warnoptions))
    import rasa.__main__ as rasa_cli

    rasa_configure = rasa_cli.configure_logging_and_warnings

    def configure_then_reapply(*args: Any, **kwargs: Any) -> None:
        rasa_configure(*args, **kwargs)
        reapply(list(sys.warnoptions))

    rasa_cli.configure_logging_and_warnings = configure_then_reapply
    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_cli.main()


if __name__ == "__main__":
    main()
