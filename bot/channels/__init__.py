"""Rasa input channels of the assistant (web chat widget, WeChat, IVR)."""
