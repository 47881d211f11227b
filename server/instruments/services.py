"""The SOP cycle of the risk instrument: versions in the database, one draft at a time that
the working group edits, staff's sealed comments on it, and publishing it as the next version.

The shipped files (server/risk/instruments) stay the first versions: they are copied into the
database the first time anyone looks, and the risk library always knows them. A version
published here joins the library of every server process at its next request
(`refresh_library`), so an assessment made with it is scored with it; older assessments keep
naming, and being scored with, the version they used.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from server.accounts.tables import User
from server.audit.services import record
from server.core.i18n import LANGUAGES
from server.core.i18n import gettext as _
from server.core.identity import CurrentUser
from server.entries.services import UNIQUE_VIOLATIONS
from server.instruments.tables import InstrumentComment, InstrumentVersion
from server.instruments.validation import Problem, problems_of
from server.risk.instrument import (
    INSTRUMENTS_DIR,
    Instrument,
    InstrumentError,
    _version_key,
    library,
    parse_instrument,
)
from server.sealing.envelope import Envelope, b64url_decode, b64url_encode, seal_json, unseal
from server.sealing.keys import key_ring

WORKING_GROUP_ROLES = ("supervisor", "admin")
COMMENT_MAX = 4000
DEFINITION_MAX = 512 * 1024
OUTCOMES = ("taken", "declined", "discussed")


class InstrumentStepError(Exception):
    """A step that may not be taken: `status` is what a route answers (404, 409, 422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- The library every process scores with --------------------------------------------------

_published_stamp: tuple | None = None


def _instrument_of(version: str, definition: str) -> Instrument:
    return parse_instrument(json.loads(definition), Path(f"v{version}.json"))


async def refresh_library() -> None:
    """Make the risk library hold exactly the versions published in the database (besides
    the shipped files). Cheap when nothing changed: one small query of labels and times."""
    global _published_stamp
    rows = await InstrumentVersion.select(
        InstrumentVersion.version, InstrumentVersion.published_at
    ).where(InstrumentVersion.status == "published")
    stamp = tuple(sorted((row["version"], str(row["published_at"])) for row in rows))
    if stamp == _published_stamp:
        return
    shipped = {file.stem[1:] for file in INSTRUMENTS_DIR.glob("v*.json")}
    wanted = [row["version"] for row in rows if row["version"] not in shipped]
    instruments = []
    if wanted:
        for row in await InstrumentVersion.select(
            InstrumentVersion.version, InstrumentVersion.definition
        ).where(InstrumentVersion.version.is_in(wanted)):
            instruments.append(_instrument_of(row["version"], row["definition"]))
    library().replace_published(instruments)
    _published_stamp = stamp


async def import_shipped_versions() -> None:
    """The shipped files become the first published versions in the database (once)."""
    known = {row["version"] for row in await InstrumentVersion.select(InstrumentVersion.version)}
    for file in sorted(INSTRUMENTS_DIR.glob("v*.json")):
        version = file.stem[1:]
        if version in known:
            continue
        # Another process may import it at the same moment: its row is as good.
        with contextlib.suppress(*UNIQUE_VIOLATIONS):
            await InstrumentVersion.insert(
                InstrumentVersion(
                    version=version,
                    status="published",
                    origin="shipped",
                    definition=file.read_text(encoding="utf-8"),
                    published_at=datetime.combine(
                        date.fromisoformat(
                            json.loads(file.read_text(encoding="utf-8")).get("published_on")
                            or "2026-01-01"
                        ),
                        datetime.min.time(),
                        UTC,
                    ),
                )
            )


# --- Who may do what --------------------------------------------------------------------------


async def in_working_group(user: CurrentUser) -> bool:
    """Admins, and the supervisors of a team with shelter staff (the shelter's team)."""
    if user.role == "admin":
        return True
    if user.role != "supervisor" or user.team_id is None:
        return False
    return await User.exists().where((User.team == user.team_id) & (User.role == "shelter"))


async def may_comment(user: CurrentUser) -> bool:
    return user.role == "shelter" or await in_working_group(user)


async def _require_working_group(user: CurrentUser) -> None:
    if not await in_working_group(user):
        raise InstrumentStepError(404, _("Not found."))


# --- Versions and the draft -------------------------------------------------------------------

VERSION_COLUMNS = (
    InstrumentVersion.id,
    InstrumentVersion.version,
    InstrumentVersion.status,
    InstrumentVersion.based_on,
    InstrumentVersion.origin,
    InstrumentVersion.consultation_open,
    InstrumentVersion.created_at,
    InstrumentVersion.published_at,
)


async def versions() -> list[dict]:
    """Every version, newest first (the draft, if any, on top)."""
    await import_shipped_versions()
    rows = await InstrumentVersion.select(*VERSION_COLUMNS)
    return sorted(rows, key=lambda row: _version_key(row["version"]), reverse=True)


async def version_definition(version: str) -> str | None:
    row = (
        await InstrumentVersion.select(InstrumentVersion.definition)
        .where(InstrumentVersion.version == version)
        .first()
    )
    return row["definition"] if row else None


async def published_definition(version: str) -> str | None:
    """A published version's file (the import/export format); never the draft's."""
    row = (
        await InstrumentVersion.select(InstrumentVersion.definition)
        .where((InstrumentVersion.version == version) & (InstrumentVersion.status == "published"))
        .first()
    )
    return row["definition"] if row else None


@dataclass
class Draft:
    id: uuid.UUID
    version: str
    based_on: str
    consultation_open: bool
    raw: dict[str, Any]

    def domain(self, domain_id: str) -> dict | None:
        for domain in self.raw.get("domains") or []:
            if isinstance(domain, dict) and domain.get("id") == domain_id:
                return domain
        return None

    @property
    def domain_ids(self) -> list[str]:
        return [
            str(domain.get("id"))
            for domain in self.raw.get("domains") or []
            if isinstance(domain, dict)
        ]

    def problems(self) -> list[Problem]:
        problems = problems_of(self.raw)
        if not problems:
            # The loader's own checks too: a draft that passes both will load once published.
            try:
                parse_instrument(self.publishable(), Path(f"v{self.version}.json"))
            except InstrumentError as error:
                problems.append(Problem("", f"{error.place}: {error.problem}"))
        return problems

    def publishable(self) -> dict[str, Any]:
        return {**self.raw, "version": self.version}

    def instrument(self) -> Instrument | None:
        """The draft as the capture form would use it, or None while it has problems."""
        if problems_of(self.raw):
            return None
        try:
            return parse_instrument(self.publishable(), Path(f"v{self.version}.json"))
        except InstrumentError:
            return None


async def current_draft() -> Draft | None:
    row = (
        await InstrumentVersion.select(
            InstrumentVersion.id,
            InstrumentVersion.version,
            InstrumentVersion.based_on,
            InstrumentVersion.consultation_open,
            InstrumentVersion.definition,
        )
        .where(InstrumentVersion.status == "draft")
        .first()
    )
    if row is None:
        return None
    return Draft(
        row["id"],
        row["version"],
        row["based_on"],
        row["consultation_open"],
        json.loads(row["definition"]),
    )


async def _next_version() -> str:
    labels = [row["version"] for row in await InstrumentVersion.select(InstrumentVersion.version)]
    labels += library().versions
    majors = [int(label.split(".")[0]) for label in labels if label.split(".")[0].isdigit()]
    return str(max(majors, default=0) + 1)


async def _store_draft(user: CurrentUser, raw: dict, based_on: str, origin: str) -> Draft:
    if await current_draft() is not None:
        raise InstrumentStepError(
            409, _("A draft is already open: publish it or discard it first.")
        )
    version = await _next_version()
    raw = {key: value for key, value in raw.items() if key != "published_on"}
    raw["version"] = version
    row = InstrumentVersion(
        version=version,
        status="draft",
        based_on=based_on,
        origin=origin,
        definition=json.dumps(raw, ensure_ascii=False, indent=2),
        created_by=user.id,
    )
    try:
        await InstrumentVersion.insert(row)
    except UNIQUE_VIOLATIONS as error:
        raise InstrumentStepError(
            409, _("A draft is already open: publish it or discard it first.")
        ) from error
    await record("instrument_draft_started", user, "instrument", version)
    return Draft(row.id, version, based_on, False, raw)


async def start_draft(user: CurrentUser) -> Draft:
    """A copy of the current version, to be revised."""
    await _require_working_group(user)
    await import_shipped_versions()
    current = library().current()
    text = await version_definition(current.version)
    raw = json.loads(text) if text else json.loads(Path(current.source).read_text("utf-8"))
    return await _store_draft(user, raw, current.version, "app")


async def upload_draft(user: CurrentUser, text: str) -> Draft:
    """A draft from an instrument file (the export format). Its problems show in the editor."""
    await _require_working_group(user)
    if len(text) > DEFINITION_MAX:
        raise InstrumentStepError(422, _("The file is too large."))
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise InstrumentStepError(
            422, _("The file is not JSON: choose an instrument file.")
        ) from error
    if not isinstance(raw, dict):
        raise InstrumentStepError(422, _("The file is not an instrument definition."))
    return await _store_draft(user, raw, "", "upload")


async def _save(draft: Draft) -> None:
    await InstrumentVersion.update(
        {
            InstrumentVersion.definition: json.dumps(draft.raw, ensure_ascii=False, indent=2),
            InstrumentVersion.updated_at: datetime.now(UTC),
        }
    ).where((InstrumentVersion.id == draft.id) & (InstrumentVersion.status == "draft"))


async def _open_draft(user: CurrentUser) -> Draft:
    await _require_working_group(user)
    draft = await current_draft()
    if draft is None:
        raise InstrumentStepError(404, _("There is no draft: start one from the current version."))
    return draft


def _number(text: str) -> int | str:
    """A typed number as a number; anything else stays text for the checks to name."""
    text = text.strip()
    return int(text) if text.isdigit() else text


def _texts(form: dict[str, str], prefix: str) -> dict[str, str]:
    return {language: form.get(f"{prefix}-{language}", "").strip() for language in LANGUAGES}


def _apply_domain_form(draft: Draft, domain: dict, form: dict[str, str]) -> None:
    """The domain's title, questions, answers and scores as the editor's form sent them."""
    shared = draft.raw.get("answer_labels") or {}
    if "title-en" in form:
        domain["title"] = _texts(form, "title")
    items = domain.get("items") or []
    # The form names questions by place; if someone else added or removed one meanwhile,
    # the places no longer match and saving would write texts onto the wrong questions.
    sent: list[str] = []
    while f"item-{len(sent)}-was" in form:
        sent.append(form[f"item-{len(sent)}-was"])
    if sent and sent != [item.get("id") for item in items]:
        raise InstrumentStepError(
            409, _("Someone else changed this domain meanwhile: reload it and edit again.")
        )
    for i, item in enumerate(items):
        key = f"item-{i}"
        if f"{key}-id" not in form:
            continue
        item["id"] = form[f"{key}-id"].strip()
        item["text"] = _texts(form, f"{key}-text")
        item["guidance"] = _texts(form, f"{key}-guidance")
        for j, answer in enumerate(item.get("answers") or []):
            here = f"{key}-answer-{j}"
            if f"{here}-value" not in form:
                continue
            answer["value"] = form[f"{here}-value"].strip()
            answer["score"] = _number(form.get(f"{here}-score", ""))
            floor = form.get(f"{here}-at_least", "").strip()
            if floor:
                answer["at_least"] = floor
            else:
                answer.pop("at_least", None)
            label = _texts(form, f"{here}-label")
            if shared.get(answer["value"]) == label:
                answer.pop("label", None)  # the shared wording, kept shared
            else:
                answer["label"] = label


def _new_item(draft: Draft, domain_id: str) -> dict:
    """A question to be written, with the usual answers (their shared wording)."""
    taken = {
        item.get("id")
        for domain in draft.raw.get("domains") or []
        for item in domain.get("items") or []
    }
    number = 1
    while f"{domain_id}.new{number}" in taken:
        number += 1
    shared = draft.raw.get("answer_labels") or {}
    answers = [
        {"value": value, "score": score}
        for value, score in (("no", 0), ("unknown", 1), ("some", 2), ("serious", 4))
        if value in shared
    ] or [
        {"value": "no", "score": 0, "label": dict.fromkeys(LANGUAGES, "")},
        {"value": "yes", "score": 2, "label": dict.fromkeys(LANGUAGES, "")},
    ]
    return {
        "id": f"{domain_id}.new{number}",
        "text": dict.fromkeys(LANGUAGES, ""),
        "guidance": dict.fromkeys(LANGUAGES, ""),
        "answers": answers,
    }


def _change_domain(draft: Draft, domain: dict, change: str) -> None:
    """A change of shape asked for by one of the editor's buttons (`change` is the button's
    value): add_item, remove_item:<i>, add_answer:<i>, remove_answer:<i>:<j>."""
    items = domain.setdefault("items", [])
    verb, _sep, rest = change.partition(":")
    places = [int(part) for part in rest.split(":") if part.isdigit()]
    if verb == "add_item":
        items.append(_new_item(draft, str(domain.get("id"))))
    elif verb == "remove_item" and len(places) == 1 and places[0] < len(items):
        del items[places[0]]
    elif verb == "add_answer" and len(places) == 1 and places[0] < len(items):
        answers = items[places[0]].setdefault("answers", [])
        number = len(answers) + 1
        while any(answer.get("value") == f"answer{number}" for answer in answers):
            number += 1
        answers.append(
            {"value": f"answer{number}", "score": 0, "label": dict.fromkeys(LANGUAGES, "")}
        )
    elif verb == "remove_answer" and len(places) == 2 and places[0] < len(items):
        answers = items[places[0]].get("answers") or []
        if places[1] < len(answers):
            del answers[places[1]]


async def save_domain(user: CurrentUser, domain_id: str, form: dict[str, str]) -> Draft:
    """Save what the editor's form holds, then make the change of shape its button asked for
    (so that adding a question never loses what was typed above it)."""
    draft = await _open_draft(user)
    domain = draft.domain(domain_id)
    if domain is None:
        raise InstrumentStepError(404, _("Not found."))
    _apply_domain_form(draft, domain, form)
    if form.get("change"):
        _change_domain(draft, domain, form["change"])
    await _save(draft)
    await record("instrument_draft_edited", user, "instrument", draft.version)
    return draft


async def add_domain(user: CurrentUser) -> str:
    """A new domain at the end, with one question to be written; returns its id."""
    draft = await _open_draft(user)
    domains = draft.raw.setdefault("domains", [])
    number = len(domains) + 1
    while f"domain{number}" in draft.domain_ids:
        number += 1
    domain_id = f"domain{number}"
    domains.append({"id": domain_id, "title": dict.fromkeys(LANGUAGES, ""), "items": []})
    domains[-1]["items"].append(_new_item(draft, domain_id))
    await _save(draft)
    await record("instrument_draft_edited", user, "instrument", draft.version)
    return domain_id


async def save_scoring(user: CurrentUser, form: dict[str, str]) -> Draft:
    """Thresholds, reassessment intervals per level, and the triggers."""
    draft = await _open_draft(user)
    for k, level in enumerate(draft.raw.get("levels") or []):
        if f"level-{k}-from_score" in form:
            level["from_score"] = _number(form[f"level-{k}-from_score"])
        if f"level-{k}-days" in form:
            level["reassess_after_days"] = _number(form[f"level-{k}-days"])
        if f"level-{k}-asks-en" in form:
            asks = _texts(form, f"level-{k}-asks")
            if any(asks.values()):
                level["asks"] = asks
            else:
                level.pop("asks", None)  # the guidelines then print the app's own words
    from server.entries.categories import RISK_TRIGGER

    triggers = draft.raw.setdefault("triggers", {})
    triggers["kinds"] = [code for code in RISK_TRIGGER.codes if form.get(f"trigger-{code}")]
    triggers["hearing_within_days"] = _number(form.get("hearing_within_days", ""))
    await _save(draft)
    await record("instrument_draft_edited", user, "instrument", draft.version)
    return draft


async def discard_draft(user: CurrentUser) -> None:
    draft = await _open_draft(user)
    await InstrumentComment.delete().where(InstrumentComment.draft == draft.id)
    await InstrumentVersion.delete().where(
        (InstrumentVersion.id == draft.id) & (InstrumentVersion.status == "draft")
    )
    await record("instrument_draft_discarded", user, "instrument", draft.version)


async def set_consultation(user: CurrentUser, open_: bool) -> Draft:
    draft = await _open_draft(user)
    await InstrumentVersion.update({InstrumentVersion.consultation_open: open_}).where(
        InstrumentVersion.id == draft.id
    )
    draft.consultation_open = open_
    action = "instrument_consultation_opened" if open_ else "instrument_consultation_closed"
    await record(action, user, "instrument", draft.version)
    return draft


async def publish(user: CurrentUser) -> str:
    """The draft becomes the next version; reassessments from now on use it."""
    draft = await _open_draft(user)
    problems = draft.problems()
    if problems:
        raise InstrumentStepError(
            422, _("The draft has %(count)s problem(s) to fix first.", count=len(problems))
        )
    raw = draft.publishable()
    raw["published_on"] = datetime.now(UTC).date().isoformat()
    # The stored order of keys follows the shipped files.
    ordered = {"version": raw["version"], "published_on": raw["published_on"]}
    ordered.update({key: value for key, value in raw.items() if key not in ordered})
    updated = (
        await InstrumentVersion.update(
            {
                InstrumentVersion.status: "published",
                InstrumentVersion.consultation_open: False,
                InstrumentVersion.definition: json.dumps(ordered, ensure_ascii=False, indent=2),
                InstrumentVersion.published_by: user.id,
                InstrumentVersion.published_at: datetime.now(UTC),
            }
        )
        .where((InstrumentVersion.id == draft.id) & (InstrumentVersion.status == "draft"))
        .returning(InstrumentVersion.id)
    )
    if not updated:
        raise InstrumentStepError(409, _("This draft was published or discarded meanwhile."))
    await record("instrument_published", user, "instrument", draft.version)
    await refresh_library()
    return draft.version


# --- Consultation -----------------------------------------------------------------------------


def _sealed(comment_id: uuid.UUID, content: dict) -> dict:
    envelope = seal_json(content, key_ring().current(), str(comment_id))
    return {
        InstrumentComment.kid: envelope.kid,
        InstrumentComment.key_kid: envelope.kid,
        InstrumentComment.wrapped_key: b64url_encode(envelope.wrapped_key),
        InstrumentComment.iv: b64url_encode(envelope.iv),
        InstrumentComment.ciphertext: b64url_encode(envelope.ciphertext),
    }


def _opened(row: dict) -> dict:
    envelope = Envelope(
        id=str(row["id"]),
        kid=row["kid"],
        wrapped_key=b64url_decode(row["wrapped_key"]),
        iv=b64url_decode(row["iv"]),
        ciphertext=b64url_decode(row["ciphertext"]),
    )
    return json.loads(unseal(envelope, key_ring(), wrapping_kid=row["key_kid"]))


async def add_comment(user: CurrentUser, item_id: str, text: str) -> None:
    if not await may_comment(user):
        raise InstrumentStepError(404, _("Not found."))
    draft = await current_draft()
    if draft is None or not draft.consultation_open:
        raise InstrumentStepError(409, _("The draft is not open for comments."))
    text = text.strip()
    if not text:
        raise InstrumentStepError(422, _("Write a comment first."))
    if len(text) > COMMENT_MAX:
        raise InstrumentStepError(
            422, _("The comment is too long: at most %(count)s characters.", count=COMMENT_MAX)
        )
    items = {
        item.get("id") for d in draft.raw.get("domains") or [] for item in d.get("items") or []
    }
    if item_id and item_id not in items:
        raise InstrumentStepError(422, _("That question is not in the draft."))
    comment_id = uuid.uuid4()
    columns = {
        column._meta.name: value for column, value in _sealed(comment_id, {"text": text}).items()
    }
    await InstrumentComment.insert(
        InstrumentComment(
            id=comment_id,
            draft=draft.id,
            item_id=item_id,
            author=user.id,
            language=user.language,
            **columns,
        )
    )
    await record("instrument_comment_added", user, "instrument", draft.version)


@dataclass(frozen=True)
class Comment:
    id: str
    item_id: str
    author: str
    language: str
    created_at: datetime
    text: str
    outcome: str
    why: str


async def comments(user: CurrentUser, draft: Draft) -> list[Comment]:
    """The draft's comments, oldest first: the working group reads all, staff their own."""
    query = InstrumentComment.select(
        InstrumentComment.id,
        InstrumentComment.item_id,
        InstrumentComment.author.username.as_alias("author_name"),
        InstrumentComment.language,
        InstrumentComment.created_at,
        InstrumentComment.kid,
        InstrumentComment.key_kid,
        InstrumentComment.wrapped_key,
        InstrumentComment.iv,
        InstrumentComment.ciphertext,
        InstrumentComment.outcome,
    ).where(InstrumentComment.draft == draft.id)
    if not await in_working_group(user):
        query = query.where(InstrumentComment.author == user.id)
    shown = []
    for row in sorted(await query, key=lambda row: row["created_at"]):
        content = _opened(row)
        shown.append(
            Comment(
                str(row["id"]),
                row["item_id"],
                row["author_name"],
                row["language"],
                row["created_at"],
                content.get("text", ""),
                row["outcome"],
                content.get("why", ""),
            )
        )
    return shown


async def decide_comment(user: CurrentUser, comment_id: str, outcome: str, why: str) -> None:
    """Taken, declined (with why) or discussed."""
    draft = await _open_draft(user)
    if outcome not in OUTCOMES:
        raise InstrumentStepError(422, _("Choose taken, declined or discussed."))
    why = why.strip()
    if outcome == "declined" and not why:
        raise InstrumentStepError(422, _("Say why the comment is declined."))
    if len(why) > COMMENT_MAX:
        raise InstrumentStepError(
            422, _("The comment is too long: at most %(count)s characters.", count=COMMENT_MAX)
        )
    try:
        key = uuid.UUID(comment_id)
    except ValueError as error:
        raise InstrumentStepError(404, _("Not found.")) from error
    row = (
        await InstrumentComment.select()
        .where((InstrumentComment.id == key) & (InstrumentComment.draft == draft.id))
        .first()
    )
    if row is None:
        raise InstrumentStepError(404, _("Not found."))
    content = {"text": _opened(row).get("text", ""), "why": why}
    await InstrumentComment.update(
        {
            **_sealed(key, content),
            InstrumentComment.outcome: outcome,
            InstrumentComment.decided_by: user.id,
            InstrumentComment.decided_at: datetime.now(UTC),
        }
    ).where(InstrumentComment.id == key)
    await record("instrument_comment_decided", user, "instrument", draft.version)
