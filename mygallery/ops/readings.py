"""A reading of the monitor: one measured value against its threshold, and whether it raises an alert.

Shared by monitoring.py (which takes the readings) and alerting.py (which turns them into events); the
values are formatted for people here, once. Non-goals: measuring anything (monitoring.py does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Reading:
    """One measured value against its threshold; `value` None means it could not be measured this round."""

    name: str
    label: str
    value: float | str | None
    threshold: float | str | None
    unit: str = ""
    alert: bool = False
    severity: str = "warning"
    message: str = ""

    @property
    def status(self) -> str:
        if self.alert:
            return "ALERT"
        return "UNKNOWN" if self.value is None else "OK"

    def shown_value(self) -> str:
        return format_amount(self.value, self.unit)

    def shown_threshold(self) -> str:
        if isinstance(self.threshold, (int, float)):
            return f"{self.threshold:g}{self.unit}"  # set by people: shown as they wrote it
        return format_amount(self.threshold, self.unit)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "value": self.value, "threshold": self.threshold,
                "unit": self.unit, "status": self.status, "severity": self.severity, "message": self.message}


def format_amount(value: float | str | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if unit == "s":
        return f"{value:.3f}s"
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:g}"


def above_threshold(name: str, label: str, value: float | None, threshold: float, unit: str) -> Reading:
    alert = value is not None and value > threshold
    message = f"{label} {format_amount(value, unit)} is above {threshold:g}{unit}" if alert else ""
    return Reading(name, label, value, threshold, unit, alert, "warning", message)
