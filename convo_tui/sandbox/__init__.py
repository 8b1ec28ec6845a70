"""The embedded sandbox provider: Twilio's and Klaviyo's wire protocols on 127.0.0.1."""

from __future__ import annotations

from convo_tui.sandbox.server import Credentials, Sandbox

__all__ = ["Credentials", "Sandbox"]
