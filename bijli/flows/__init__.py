"""Conversation flows, free of Rasa.

A flow handler takes a ``Turn`` (what the user said, what NLU found, the
conversation's slots) and the ``Services`` (database, settings), and returns
a ``Reply`` (messages and slot updates). ``actions/`` adapts them to Rasa.
"""
