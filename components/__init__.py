"""Custom Rasa NLU graph components (thin adapters over ``bijli.text`` and
``bijli.nlu_rules``). Importable from the project root as ``components.*``."""
