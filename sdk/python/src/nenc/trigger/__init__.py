"""Triggers: the builder, CEL, the contexts providers receive, and runtime management."""

from nenc.trigger.cel import Cel, cel
from nenc.trigger.trigger_builder import TriggerBuilder

__all__ = ["Cel", "TriggerBuilder", "cel"]
