"""Rasa NLU components of the assistant (the only Rasa code under bot/ besides the channels)."""
