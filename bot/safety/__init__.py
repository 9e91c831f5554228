"""The safety screen and the program's safety replies."""

from bot.safety.screen import LEVELS, Assessment, Level, SafetyScreen, max_level, safety_reply

__all__ = ["LEVELS", "Assessment", "Level", "SafetyScreen", "max_level", "safety_reply"]
