"""Small helpers of the engine."""

from __future__ import annotations


def _to_hours_mins_secs(time_taken: float) -> tuple[int, int, float]:
    """Split seconds into hours, minutes and seconds."""
    mins, secs = divmod(time_taken, 60)
    hours, mins = divmod(mins, 60)
    return round(hours), round(mins), secs
