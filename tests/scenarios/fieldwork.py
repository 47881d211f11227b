"""The people of a scenario and what they do, through the real HTTP API: a browser session
each (one TestClient whose cookies are swapped per person), a registered phone for those who
do field work, an outbox of sealed envelopes that waits while the phone is offline, the
supervisor's decisions and the monthly reports through their routes."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from litestar.testing import TestClient

from tests.support.accounts import log_in
from tests.support.entries import register_device, sealed_envelope, sync

SYNC_BATCH = 100  # the most entries one sync request may carry (CONTRACT.md)


@dataclass
class Person:
    username: str
    user_id: int
    cookies: dict = field(default_factory=dict)
    csrf: str = ""
    token: str = ""  # the phone's device token, for those who do field work
    online: bool = True
    outbox: list[dict] = field(default_factory=list)  # sealed envelopes not yet synced


class Fieldwork:
    """One shared TestClient; each request is made with the person's own cookies."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.people: dict[str, Person] = {}

    def join(self, username: str, user_id: int, phone: bool) -> Person:
        self.client.cookies.clear()
        csrf = log_in(self.client, username)
        person = Person(username, user_id, csrf=csrf)
        if phone:
            _device, person.token = register_device(self.client, csrf, f"{username}'s phone")
        person.cookies = dict(self.client.cookies)
        self.people[username] = person
        return person

    def _as(self, person: Person):
        self.client.cookies.clear()
        for name, value in person.cookies.items():
            self.client.cookies.set(name, value)

    def get(self, username: str, path: str):
        person = self.people[username]
        self._as(person)
        response = self.client.get(path, follow_redirects=False)
        person.cookies = dict(self.client.cookies)
        return response

    def post(self, username: str, path: str, data: dict | None = None):
        person = self.people[username]
        self._as(person)
        response = self.client.post(
            path,
            data={**(data or {}), "_csrf_token": person.csrf},
            headers={"X-CSRFToken": person.csrf},
            follow_redirects=False,
        )
        person.cookies = dict(self.client.cookies)
        return response

    # --- The phone ---------------------------------------------------------------------------

    def save(self, username: str, plaintext: dict, entry_id: str) -> list[dict]:
        """The phone seals the entry into its outbox and, when online, syncs at once.
        Returns the sync results (empty while offline)."""
        person = self.people[username]
        person.outbox.append(sealed_envelope(plaintext, entry_id))
        return self.sync_outbox(username) if person.online else []

    def sync_outbox(self, username: str) -> list[dict]:
        """Send the whole outbox, in batches the contract allows, oldest first; what was
        stored or was a duplicate leaves the outbox."""
        person = self.people[username]
        results: list[dict] = []
        while person.outbox:
            batch = person.outbox[:SYNC_BATCH]
            response = sync(self.client, person.token, batch)
            assert response.status_code == 200, response.text
            answers = response.json()["results"]
            assert [a["id"] for a in answers] == [e["id"] for e in batch]
            results.extend(answers)
            person.outbox = person.outbox[len(batch) :]
        return results

    # --- Decisions and reports ---------------------------------------------------------------

    def decide(self, supervisor: str, entry_id: str, decision: str, comment: str = "") -> None:
        verb = "approve" if decision == "approved" else "return"
        response = self.post(supervisor, f"/entries/{entry_id}/{verb}", {"comment": comment})
        assert response.status_code == 303, (response.status_code, response.text[:500])

    def submit_report(self, username: str, month: str, narrative: str) -> None:
        base = f"/reports/monthly/{username}/{month}"
        response = self.post(username, f"{base}/narrative", {"narrative": narrative})
        assert response.status_code == 303, (response.status_code, response.text[:500])
        response = self.post(username, f"{base}/submit")
        assert response.status_code == 303, (response.status_code, response.text[:500])

    def decide_report(self, supervisor: str, username: str, month: str, decision: str) -> None:
        verb = "approve" if decision == "approved" else "return"
        comment = {} if decision == "approved" else {"comment": "Add the trainings, please."}
        response = self.post(supervisor, f"/reports/monthly/{username}/{month}/{verb}", comment)
        assert response.status_code == 303, (response.status_code, response.text[:500])

    def report_word_text(self, viewer: str, username: str, month: str) -> str:
        response = self.get(viewer, f"/reports/monthly/{username}/{month}.docx")
        assert response.status_code == 200, response.status_code
        with zipfile.ZipFile(io.BytesIO(response.content)) as document:
            return document.read("word/document.xml").decode()

    def indicators_csv(self, viewer: str, start: datetime, end: datetime) -> str:
        response = self.get(viewer, f"/indicators.csv?from={start:%Y-%m-%d}&to={end:%Y-%m-%d}")
        assert response.status_code == 200, (response.status_code, response.text[:300])
        return response.text


def loads(value: object) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})
