"""The service provider directory's rules: what a provider record may hold, the CSV a
supervisor keeps in a spreadsheet, and the search a coordinator runs (offline too).

Providers are organisations, not people assisted: nothing here is sealed, and the directory
of a team's country is what the phone keeps for offline search.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.core.forms import printable_text
from server.core.i18n import babel_locale
from server.core.i18n import gettext as _
from server.core.rejection import Rejection
from server.entries import categories as c
from server.providers.tables import Provider
from server.regions.lists import places

# The languages a provider may serve people in: the working languages of both programmes and
# those of the people most often assisted. Names are shown in the reader's language (babel).
LANGUAGES = ("ro", "ru", "uk", "en", "sq", "sr", "bg", "tr")

# The CSV's columns, in order. Lists (services, languages) are separated by ";"; `id` is empty
# for a new provider and names an existing one to update it.
CSV_COLUMNS = (
    "id",
    "organisation",
    "services",
    "place",
    "address",
    "phone",
    "hours",
    "languages",
    "without_documents",
    "notes",
    "active",
)
LIMITS = {"organisation": 200, "address": 300, "phone": 60, "hours": 200, "notes": 2000}
YES = {"yes", "y", "true", "1", "da", "да", "po", "x"}
NO = {"no", "n", "false", "0", "", "nu", "нет", "не", "jo"}
MAX_IMPORT_ROWS = 2000


def language_name(code: str) -> str:
    return babel_locale().languages.get(code, code)


def language_options() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in LANGUAGES]


@dataclass
class ProviderDraft:
    """A provider as typed into the form or read from a CSV row, with what is wrong with it."""

    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)


def _split(value: str) -> list[str]:
    return [part.strip().lower() for part in value.replace(",", ";").split(";") if part.strip()]


def read_provider(raw: dict[str, Any], country: str) -> ProviderDraft:
    """Check one provider. `raw`: text fields, with `services` and `languages` as lists or as
    ";"-separated text, `without_documents` and `active` as booleans or yes/no text."""
    errors: list[str] = []
    values: dict[str, Any] = {}
    for key, limit in LIMITS.items():
        text = str(raw.get(key) or "").strip()
        if len(text) > limit:
            errors.append(_("%(field)s is too long.", field=_column_label(key)))
        elif not printable_text(text):
            errors.append(
                _("%(field)s has characters that cannot be stored.", field=_column_label(key))
            )
        values[key] = text
    if not values["organisation"]:
        errors.append(_("The organisation's name is needed."))
    services = raw.get("services") or []
    services = _split(services) if isinstance(services, str) else list(services)
    unknown = [code for code in services if code not in c.SERVICE_TYPE.codes]
    if unknown or not services:
        errors.append(
            _(
                "Services must be one or more of: %(codes)s.",
                codes=", ".join(c.SERVICE_TYPE.codes),
            )
        )
    values["services"] = list(dict.fromkeys(code for code in services if code not in unknown))
    languages = raw.get("languages") or []
    languages = _split(languages) if isinstance(languages, str) else list(languages)
    if any(code not in LANGUAGES for code in languages):
        errors.append(_("Languages must be among: %(codes)s.", codes=", ".join(LANGUAGES)))
    values["languages"] = list(dict.fromkeys(code for code in languages if code in LANGUAGES))
    place = canonical_place(str(raw.get("place") or ""), country)
    if place not in places(country):
        errors.append(_("The place must be a rayon or municipality of the list."))
    values["place"] = place
    for key, default in (("without_documents", False), ("active", True)):
        flag = raw.get(key, default)
        if isinstance(flag, str):
            word = flag.strip().lower()
            if (word == "" and key == "active") or word in YES:
                flag = True
            elif word in NO:
                flag = False
            else:
                errors.append(_("%(field)s must be yes or no.", field=_column_label(key)))
                flag = default
        values[key] = bool(flag)
    return ProviderDraft(values, errors)


def canonical_place(text: str, country: str) -> str:
    """The reference list's spelling of a place as a spreadsheet may have it: any case,
    with or without "mun." (Bălți for mun. Bălți)."""

    def plain(name: str) -> str:
        return name.strip().casefold().removeprefix("mun.").strip()

    wanted = plain(text)
    for name in places(country):
        if plain(name) == wanted:
            return name
    return text.strip()


def _column_label(key: str) -> str:
    labels = {
        "organisation": _("Organisation"),
        "address": _("Address"),
        "phone": _("Phone"),
        "hours": _("Opening hours"),
        "notes": _("Notes for coordinators"),
        "without_documents": _("Takes people without documents"),
        "active": _("Active"),
    }
    return labels.get(key, key)


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    stored = dict(values)
    stored["services"] = json.dumps(values["services"])
    stored["languages"] = json.dumps(values["languages"])
    return stored


def _listed(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return [str(item) for item in value] if isinstance(value, list) else []


def as_record(row: dict[str, Any]) -> dict[str, Any]:
    """A provider row with its lists as lists (SQLite gives JSON back as text)."""
    record = dict(row)
    record["id"] = str(row["id"])
    record["services"] = _listed(row.get("services"))
    record["languages"] = _listed(row.get("languages"))
    return record


async def providers_of(country: str, *, active_only: bool = True) -> list[dict[str, Any]]:
    query = Provider.select().where(Provider.country == country)
    if active_only:
        query = query.where(Provider.active.eq(True))
    rows = await query.order_by(Provider.place).order_by(Provider.organisation)
    return [as_record(row) for row in rows]


async def provider_of(country: str, provider_id: str) -> dict[str, Any] | None:
    try:
        key = uuid.UUID(provider_id)
    except ValueError:
        return None
    row = (
        await Provider.select().where(Provider.id == key).where(Provider.country == country).first()
    )
    return as_record(row) if row else None


async def names_of_providers(ids: list[str]) -> dict[str, str]:
    """Organisation names by provider id, for reports and indicators (ids that are not
    UUIDs, or of no provider, are left out)."""
    keys = []
    for value in ids:
        try:
            keys.append(uuid.UUID(value))
        except ValueError:
            continue
    if not keys:
        return {}
    rows = await Provider.select(Provider.id, Provider.organisation).where(Provider.id.is_in(keys))
    return {str(row["id"]): row["organisation"] for row in rows}


async def save_provider(country: str, values: dict[str, Any], provider_id: str | None) -> str:
    stored = _stored(values)
    if provider_id:
        await (
            Provider.update({**stored, "updated_at": datetime.now(UTC)})
            .where(Provider.id == uuid.UUID(provider_id))
            .where(Provider.country == country)
        )
        return provider_id
    new_id = uuid.uuid4()
    await Provider.insert(Provider(id=new_id, country=country, **stored))
    return str(new_id)


async def set_active(country: str, provider_id: str, active: bool) -> None:
    await (
        Provider.update({Provider.active: active, Provider.updated_at: datetime.now(UTC)})
        .where(Provider.id == uuid.UUID(provider_id))
        .where(Provider.country == country)
    )


# --- CSV -----------------------------------------------------------------------------------


def export_csv(providers: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for provider in providers:
        writer.writerow(
            [
                provider["id"],
                provider["organisation"],
                ";".join(provider["services"]),
                provider["place"],
                provider["address"],
                provider["phone"],
                provider["hours"],
                ";".join(provider["languages"]),
                "yes" if provider["without_documents"] else "no",
                provider["notes"],
                "yes" if provider["active"] else "no",
            ]
        )
    return out.getvalue()


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    # (line number in the file, what is wrong), in the reader's language.
    errors: list[tuple[int, str]] = field(default_factory=list)


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")  # spreadsheets put a byte-order mark first
    except UnicodeDecodeError:
        return None


async def import_csv(country: str, data: bytes) -> ImportResult:
    """Read the whole file, check every row, and only then write: a file with any error
    changes nothing, so a supervisor never has to find out which half went in."""
    result = ImportResult()
    text = _decode(data)
    if text is None:
        result.errors.append(
            (0, _("The file is not UTF-8 text. Save it from the spreadsheet as CSV UTF-8."))
        )
        return result
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in ("organisation", "services", "place") if name not in header]
    if missing:
        result.errors.append(
            (
                1,
                _(
                    "The first line must name the columns; missing: %(columns)s.",
                    columns=", ".join(missing),
                ),
            )
        )
        return result
    reader.fieldnames = header
    known = {
        str(row["id"])
        for row in await Provider.select(Provider.id).where(Provider.country == country)
    }
    writes: list[tuple[str | None, dict[str, Any]]] = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            result.errors.append(
                (
                    number,
                    _("Too many rows: import at most %(count)s at a time.", count=MAX_IMPORT_ROWS),
                )
            )
            break
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # a blank line a spreadsheet left at the end
        draft = read_provider({key: value for key, value in row.items() if key}, country)
        provider_id = (row.get("id") or "").strip() or None
        if provider_id and provider_id not in known:
            draft.errors.append(_("The id names no provider here; leave it empty for a new one."))
        for message in draft.errors:
            result.errors.append((number, message))
        writes.append((provider_id, draft.values))
    if result.errors:
        return result
    async with Provider._meta.db.transaction():
        for provider_id, values in writes:
            await save_provider(country, values, provider_id)
            if provider_id:
                result.updated += 1
            else:
                result.added += 1
    return result


# --- Search --------------------------------------------------------------------------------


def matches(
    provider: dict[str, Any], *, service: str = "", place: str = "", language: str = ""
) -> bool:
    """The directory's search, the same rule as the page's script applies offline."""
    return (
        (not service or service in provider["services"])
        and (not place or provider["place"] == place)
        and (not language or language in provider["languages"])
    )


# --- Referrals -----------------------------------------------------------------------------


class ReferralError(Rejection):
    """A referral that names a provider outside the directory or shares identity unasked."""


async def check_referral(
    plaintext: dict[str, Any], case: dict[str, Any] | None, country: str
) -> None:
    """What the server holds a referral to, whatever the phone's form allowed: identity is
    shared only with the person's consent to sharing (recorded at intake, clear on the case),
    and a provider named by id is one of the directory of the author's country."""
    fields = plaintext["fields"]
    if fields.get("identity_shared") is True and (case or {}).get("consent_sharing") != "given":
        raise ReferralError(
            "no_sharing_consent",
            "fields.identity_shared: the person has not consented to sharing their identity "
            "with service providers.",
        )
    provider_id = fields.get("provider_id")
    if provider_id and await provider_of(country, provider_id) is None:
        raise ReferralError(
            "unknown_provider", "fields.provider_id: no provider of the directory has this id."
        )


# --- Providers that decline or never answer ------------------------------------------------

# A referral still "sent" this long after it was made, or after its follow-up date, has had
# no answer from the provider.
UNANSWERED_AFTER = timedelta(days=30)


async def providers_needing_attention(team_id: int | None, country: str, today: date) -> list[dict]:
    """The directory's providers to whom the team's referrals (the latest approved version
    of each, as reports count them) were declined or went unanswered, worst first."""
    from server.approvals.counting import counted_entries
    from server.entries.tables import Entry, details_of

    rows = await counted_entries(Entry.details, Entry.occurred_at, Entry.due_on).where(
        (Entry.team == team_id) & (Entry.type == "referral")
    )
    tally: dict[str, dict[str, int]] = {}
    for row in rows:
        details = details_of(row["details"])
        provider_id = details.get("provider_id")
        if not provider_id:
            continue
        counts = tally.setdefault(provider_id, {"referrals": 0, "declined": 0, "unanswered": 0})
        counts["referrals"] += 1
        status = details.get("status")
        if status == "declined":
            counts["declined"] += 1
        elif status == "sent":
            made = row["occurred_at"].date()
            overdue = row["due_on"] is not None and row["due_on"] < today
            if overdue or made + UNANSWERED_AFTER < today:
                counts["unanswered"] += 1
    names = {p["id"]: p for p in await providers_of(country, active_only=False)}
    result = [
        {"id": key, "organisation": names[key]["organisation"], "place": names[key]["place"]}
        | counts
        for key, counts in tally.items()
        if key in names and (counts["declined"] or counts["unanswered"])
    ]
    return sorted(result, key=lambda p: (-(p["declined"] + p["unanswered"]), p["organisation"]))


def problem_prefill(provider: dict, counts: dict | None, now: datetime) -> dict:
    """A systemic-problem entry started from a provider that declines or does not answer:
    what the coordinator would otherwise retype (the capture form's prefill)."""
    counts = counts or {"referrals": 0, "declined": 0, "unanswered": 0}
    description = _(
        "%(organisation)s (%(place)s): %(declined)s of %(referrals)s referrals declined, "
        "%(unanswered)s without an answer.",
        organisation=provider["organisation"],
        place=provider["place"],
        declined=counts["declined"],
        referrals=counts["referrals"],
        unanswered=counts["unanswered"],
    )
    return {
        "occurred_at": now.isoformat(),
        "fields": {"kind": "institutional", "description": description},
        "identity_withheld": False,
    }


async def started_problem(user: Any, provider_id: str) -> dict | None:
    """The prefill of a systemic problem about one provider of the user's team's directory."""
    provider = await provider_of(user.country, provider_id)
    if provider is None:
        return None
    # "Today" as on the attention page the coordinator came from: in their time zone.
    today = datetime.now(ZoneInfo(user.time_zone or "UTC")).date()
    needing = await providers_needing_attention(user.team_id, user.country, today)
    counts = next((item for item in needing if item["id"] == provider["id"]), None)
    return problem_prefill(provider, counts, datetime.now(UTC).replace(microsecond=0))


async def referral_update_prefill(user: Any, entry_id: str) -> dict | None:
    """A referral's status moves by a new version of it (the follow-up rule): the form
    starts from the latest version of the coordinator's own referral, with today as the
    date of the new status. The referral keeps its own time, so it stays in its month's
    report with the outcome known since. None for anything else."""
    from server.entries.services import ENVELOPE_COLUMNS, open_entry
    from server.entries.tables import Entry

    try:
        key = uuid.UUID(entry_id)
    except ValueError:
        return None
    row = (
        await Entry.select(*ENVELOPE_COLUMNS, Entry.root, Entry.case.code)
        .where((Entry.id == key) & (Entry.author == user.id) & (Entry.type == "referral"))
        .first()
    )
    if row is None or await Entry.exists().where(Entry.revises == key):
        return None  # not the user's referral, or not its latest version
    plaintext = open_entry(row)
    today = datetime.now(ZoneInfo(user.time_zone or "UTC")).date()
    return {
        "case": row["case.code"] or plaintext.get("case"),
        "occurred_at": plaintext.get("occurred_at"),
        "fields": {**plaintext.get("fields", {}), "status_on": today.isoformat()},
        "identity_withheld": False,
    }
