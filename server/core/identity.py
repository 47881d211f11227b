"""Who is making a request, as every feature sees it (built from the session by accounts)."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.core.i18n import localised


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: str
    team_id: int | None
    team_name: str
    country: str
    language: str
    time_zone: str
    regions: tuple[str, ...] = field(default_factory=tuple)
    # The team's name per language, as (language, name) pairs (see Team.names).
    team_names: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def team_label(self) -> str:
        """The team's name in the page's language."""
        return localised(self.team_name, dict(self.team_names))

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def is_shelter(self) -> bool:
        return self.role == "shelter"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def does_field_work(self) -> bool:
        """Coordinators and shelter staff capture entries."""
        return self.role in ("coordinator", "shelter")
