"""Rasa custom actions: thin adapters over ``bijli.flows``. No import-time side effects."""
