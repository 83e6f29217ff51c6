"""Custom Rasa input channels (thin adapters over ``bijli``); see credentials.yml."""
