"""Bijli Sahayak domain package.

Plain Python, no Rasa imports: billing, payments, menus, text, UPI links.
The Rasa custom actions in ``actions/`` are thin adapters over this package.
Nothing here has side effects at import time.
"""
