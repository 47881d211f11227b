"""One definition per entry type. The capture form, the server's validation and the
published JSON Schema are all derived from these, so they can never disagree.

A field marked `clear` is copied into the entry's clear metadata (to index, count and
schedule); everything else exists only inside the sealed envelope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from server.core.i18n import LazyString
from server.core.i18n import lazy_gettext as _l
from server.core.rejection import Rejection
from server.entries import categories as c
from server.regions.lists import places, region_names

CASE_CODE = r"(MD|XK)-[0-9]{4}-[0-9]{4,}"
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
CASE_REFERENCE = f"^({UUID4}|{CASE_CODE})$"
NOTES_MAX = 20_000
TEXT_MAX = 500
SAFETY_PLAN_MAX = 30


@dataclass(frozen=True)
class Field:
    key: str
    label: LazyString
    # text, textarea, integer, date, datetime, choice, choices, boolean, region, cases,
    # answers, version, safety_plan, hearing (the id of the entry that scheduled a hearing),
    # provider (the id of a provider of the directory, server.providers), place (a rayon or
    # municipality)
    kind: str
    required: bool = False
    choices: c.ChoiceList | None = None
    clear: bool = False
    hint: LazyString | None = None
    max_length: int = TEXT_MAX
    minimum: int = 0
    maximum: int = 100_000
    # Shown on the form only when the entry type uses the capture page's own widget.
    widget: str = ""
    # Who the person is (name, contacts): shown only when someone asks to see it, and that
    # is audited (server.entries.presentation.withhold_identity).
    identity: bool = False
    # "key=value": the form asks for this field when another field has that value (the
    # schema says the same in the entry type's `rules`).
    required_when: str = ""

    def options(self, country: str = "MD") -> list[tuple[str, str]]:
        if self.kind == "region":
            return [(name, name) for name in region_names(country)]
        if self.kind == "place":
            return [(name, name) for name in places(country)]
        if self.choices is None:
            return []
        return [(code, str(label)) for code, label in self.choices.options]


@dataclass(frozen=True)
class EntryType:
    key: str
    label: LazyString
    description: LazyString
    case: str  # "required", "new" (opens a case) or "none"
    fields: tuple[Field, ...]
    roles: tuple[str, ...] = ("coordinator", "shelter")
    # JSON Schema rules over `fields` that tie one field to another (all must hold).
    rules: tuple[dict[str, Any], ...] = ()
    # The deployment countries whose teams log this type (a team's own country decides).
    countries: tuple[str, ...] = ("MD", "XK")

    def is_for(self, role: str, country: str) -> bool:
        """Whether a user of this role in a team of this country logs this type."""
        return role in self.roles and country in self.countries

    def field(self, key: str) -> Field:
        for item in self.fields:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def clear_fields(self) -> tuple[Field, ...]:
        return tuple(item for item in self.fields if item.clear)


NOTES = Field(
    "notes",
    _l("Notes"),
    "textarea",
    hint=_l("Only the facts the work needs. No names of other people."),
    max_length=NOTES_MAX,
)


def consent_fields(manner_required: bool) -> tuple[Field, ...]:
    """Consent per purpose, and how it was given: asked at intake (older phones may leave the
    manner out) and again by each `consent` entry, which must say how."""
    return (
        Field(
            "consent_assistance", _l("Consent to assistance"), "choice", True, c.CONSENT, clear=True
        ),
        Field(
            "consent_sharing",
            _l("Consent to share identity with service providers"),
            "choice",
            True,
            c.CONSENT,
            clear=True,
        ),
        Field(
            "consent_statistics",
            _l("Consent to anonymised statistics"),
            "choice",
            True,
            c.CONSENT,
            clear=True,
        ),
        Field(
            "consent_manner",
            _l("How consent was given"),
            "choice",
            manner_required,
            c.CONSENT_MANNER,
            clear=True,
        ),
    )


CASE_INTAKE = EntryType(
    "case_intake",
    _l("Case intake"),
    _l("Open a case for a person you start assisting."),
    "new",
    (
        Field(
            "given_name",
            _l("Given name"),
            "text",
            max_length=100,
            hint=_l("Sealed. Leave empty if the person prefers not to say."),
            identity=True,
        ),
        Field("family_name", _l("Family name"), "text", max_length=100, identity=True),
        Field("phone", _l("Phone number"), "text", max_length=40, identity=True),
        Field(
            "address",
            _l("Where the person can be reached"),
            "textarea",
            max_length=500,
            identity=True,
        ),
        Field("sex", _l("Sex"), "choice", True, c.SEX, clear=True),
        Field("age_band", _l("Age"), "choice", True, c.AGE_BAND, clear=True),
        Field("citizenship", _l("Citizenship"), "choice", True, c.CITIZENSHIP, clear=True),
        Field(
            "exploitation",
            _l("Forms of exploitation"),
            "choices",
            False,
            c.EXPLOITATION,
            clear=True,
        ),
        Field("means_of_control", _l("Means of control"), "choices", False, c.MEANS_OF_CONTROL),
        Field("recruiter_relation", _l("Recruited by"), "choice", False, c.RECRUITER_RELATION),
        Field(
            "identification",
            _l("Identification status"),
            "choice",
            True,
            c.IDENTIFICATION,
            clear=True,
        ),
        Field("nrm_referral_on", _l("Referred to the NRM on"), "date", clear=True),
        Field("region", _l("Region"), "region", True, clear=True),
        *consent_fields(manner_required=False),
        NOTES,
    ),
)

# A trip made for the work (server.providers.travel): sealed, optional, on the entry types that
# take a coordinator on the road. Trips outside the capital are reimbursed by the programme and
# listed in the monthly travel summary.
TRIP = (
    Field(
        "trip_from",
        _l("Trip: from"),
        "place",
        hint=_l("Only if you travelled for this; the trip goes into your monthly travel summary."),
    ),
    Field("trip_to", _l("Trip: to"), "place"),
    Field("trip_on", _l("Trip: date"), "date"),
    Field("trip_means", _l("Trip: means of transport"), "choice", False, c.TRIP_MEANS),
    Field("trip_km", _l("Trip: distance (km)"), "integer", maximum=5000),
    Field("trip_cost", _l("Trip: cost (lei)"), "integer", maximum=100_000),
    Field("trip_receipt", _l("Trip: receipt number"), "text", max_length=60),
)

# Something that calls for a risk reassessment at once (see server/risk): on a visit it is
# optional, and the quick `risk_trigger` entry records one on its own.
TRIGGER_ON_VISIT = Field(
    "trigger",
    _l("Calls for a risk reassessment now"),
    "choice",
    False,
    c.RISK_TRIGGER,
    clear=True,
    hint=_l("Only if something happened that changes the person's safety."),
)

VISIT = EntryType(
    "visit",
    _l("Visit"),
    _l("A home, centre, shelter or institution visit."),
    "required",
    (
        Field("place", _l("Place"), "choice", True, c.VISIT_PLACE, clear=True),
        Field("purpose", _l("Purpose"), "textarea", True, max_length=2000),
        Field("outcome", _l("Outcome"), "textarea", max_length=2000),
        TRIGGER_ON_VISIT,
        *TRIP,
        NOTES,
    ),
)

ACCOMPANIMENT = EntryType(
    "accompaniment",
    _l("Accompaniment"),
    _l("Going with the person to the police, a prosecutor, a court or another authority."),
    "required",
    (
        Field("institution", _l("Institution"), "choice", True, c.INSTITUTION, clear=True),
        Field("hearing_type", _l("Hearing"), "choice", True, c.HEARING_TYPE, clear=True),
        Field(
            "rights_respected",
            _l("Were the person's rights respected?"),
            "choice",
            True,
            c.YES_NO_UNKNOWN,
            clear=True,
        ),
        Field(
            "secondary_victimisation",
            _l("Signs of secondary victimisation"),
            "choice",
            True,
            c.YES_NO_UNKNOWN,
            clear=True,
        ),
        Field("outcome", _l("Outcome"), "textarea", max_length=2000),
        # Which scheduled hearing this accompaniment is the record of: the id of the entry
        # that scheduled it (any version), or null for none. Phones older than this field
        # leave the key out, and the deadlines fall back to a rule of time (server/deadlines).
        Field(
            "hearing",
            _l("Scheduled hearing"),
            "hearing",
            clear=True,
            hint=_l("If this was a hearing you were reminded of, choose it: its reminders stop."),
        ),
        Field(
            "next_hearing_at",
            _l("Next hearing"),
            "datetime",
            clear=True,
            hint=_l("You will be reminded the evening before and two hours before."),
        ),
        *TRIP,
        NOTES,
    ),
)

# A scheduled hearing that was moved or cancelled before it took place. A moved hearing is a
# new hearing (this entry schedules it); the old one is closed and its reminders stop.
HEARING_UPDATE = EntryType(
    "hearing_update",
    _l("Hearing moved or cancelled"),
    _l("A scheduled hearing was moved to another date or cancelled."),
    "required",
    (
        Field("hearing", _l("Scheduled hearing"), "hearing", True, clear=True),
        Field("change", _l("What changed"), "choice", True, c.HEARING_CHANGE, clear=True),
        Field(
            "next_hearing_at",
            _l("New date and time"),
            "datetime",
            clear=True,
            hint=_l("Only when the hearing was moved."),
            required_when="change=moved",
        ),
        NOTES,
    ),
    rules=(
        {
            "if": {"properties": {"change": {"const": "moved"}}, "required": ["change"]},
            "then": {
                "required": ["next_hearing_at"],
                "properties": {"next_hearing_at": {"type": "string"}},
            },
        },
        {
            "if": {"properties": {"change": {"const": "cancelled"}}, "required": ["change"]},
            "then": {"properties": {"next_hearing_at": {"type": "null"}}},
        },
    ),
)

REFERRAL = EntryType(
    "referral",
    _l("Referral"),
    _l("A referral to a legal, medical, psychological, social or other service."),
    "required",
    (
        Field("service_type", _l("Service"), "choice", True, c.SERVICE_TYPE, clear=True),
        # The provider from the directory (its id; clear, it names an organisation, never a
        # person), or null for one outside it: `provider` names it either way. Phones older
        # than the directory leave the key out.
        Field(
            "provider_id",
            _l("Provider from the directory"),
            "provider",
            clear=True,
            hint=_l("Choose “Other” for a provider that is not in the directory."),
        ),
        Field("provider", _l("Provider"), "text", True, max_length=200),
        # The status moves by a corrected version of the same referral (sent → accepted →
        # received or declined): the follow-up ends with the version that gives the outcome.
        Field("status", _l("Status"), "choice", True, c.REFERRAL_STATUS, clear=True),
        Field("status_on", _l("Status since"), "date", clear=True),
        Field(
            "identity_shared",
            _l("Identity shared with the provider"),
            "boolean",
            clear=True,
            hint=_l("Only with the person's consent to sharing."),
        ),
        Field("follow_up_on", _l("Follow up on"), "date", clear=True),
        NOTES,
    ),
)

RISK_ASSESSMENT = EntryType(
    "risk_assessment",
    _l("Risk assessment"),
    _l("Assess or reassess a person's risk with the current instrument."),
    "required",
    (
        Field(
            "instrument",
            _l("Instrument version"),
            "version",
            True,
            max_length=40,
            clear=True,
            widget="instrument",
        ),
        Field("answers", _l("Answers"), "answers", True, widget="instrument"),
        Field(
            "override_level", _l("Override the level"), "choice", False, c.RISK_LEVEL, clear=True
        ),
        Field("override_reason", _l("Reason for the override"), "textarea", max_length=2000),
        Field(
            "safety_plan",
            _l("Safety plan"),
            "safety_plan",
            hint=_l("Actions agreed with the person, each with who does it and by when."),
            widget="safety_plan",
        ),
        NOTES,
    ),
)

RISK_TRIGGER = EntryType(
    "risk_trigger",
    _l("Risk reassessment needed"),
    _l("Something happened that calls for a risk reassessment at once."),
    "required",
    (
        Field("trigger", _l("What happened"), "choice", True, c.RISK_TRIGGER, clear=True),
        NOTES,
    ),
)

TRAINING = EntryType(
    "training",
    _l("Training"),
    _l("A training you delivered to social-assistance staff."),
    "none",
    (
        Field("topic", _l("Topic"), "text", True, max_length=200),
        Field("audience", _l("Audience"), "choice", True, c.TRAINING_AUDIENCE, clear=True),
        Field("region", _l("Region"), "region", True, clear=True),
        Field("place", _l("Place"), "text", max_length=200),
        Field(
            "participants_female",
            _l("Participants: women"),
            "integer",
            True,
            clear=True,
            maximum=10_000,
        ),
        Field(
            "participants_male",
            _l("Participants: men"),
            "integer",
            True,
            clear=True,
            maximum=10_000,
        ),
        Field(
            "participants_other",
            _l("Participants: other or not stated"),
            "integer",
            False,
            clear=True,
            maximum=10_000,
        ),
        *TRIP,
        NOTES,
    ),
    # Moldova's VPCs train social-assistance staff; Kosovo's shelter does not.
    countries=("MD",),
)

SUPERVISION = EntryType(
    "supervision",
    _l("Supervision session"),
    _l("Methodological support to specialists and community social assistants."),
    "none",
    (
        Field("audience", _l("With"), "choice", True, c.SUPERVISION_AUDIENCE, clear=True),
        Field("region", _l("Region"), "region", True, clear=True),
        Field("participants", _l("Participants"), "integer", True, clear=True, maximum=1000),
        Field("topic", _l("Topic"), "text", True, max_length=200),
        *TRIP,
        NOTES,
    ),
    countries=("MD",),
)

SYSTEMIC_PROBLEM = EntryType(
    "systemic_problem",
    _l("Systemic problem"),
    _l("An institutional, normative or procedural problem met while assisting people."),
    "none",
    (
        Field("kind", _l("Kind of problem"), "choice", True, c.PROBLEM_KIND, clear=True),
        Field("description", _l("Description"), "textarea", True, max_length=5000),
        Field("proposed_solution", _l("Proposed solution"), "textarea", True, max_length=5000),
        Field(
            "linked_cases",
            _l("Linked cases"),
            "cases",
            hint=_l("Case codes only; they are never named in reports."),
        ),
        NOTES,
    ),
)

# A change of the person's consent, per purpose, after the intake: it takes effect on the
# case the moment it is stored (server.privacy.services.apply_consent), before any approval,
# because a withdrawal must be honoured at once.
CONSENT_CHANGE = EntryType(
    "consent",
    _l("Consent"),
    _l("The person gives or withdraws consent for a purpose."),
    "required",
    (
        *consent_fields(manner_required=True),
        NOTES,
    ),
)

ENTRY_TYPES: dict[str, EntryType] = {
    entry_type.key: entry_type
    for entry_type in (
        CASE_INTAKE,
        VISIT,
        ACCOMPANIMENT,
        HEARING_UPDATE,
        REFERRAL,
        RISK_ASSESSMENT,
        RISK_TRIGGER,
        TRAINING,
        SUPERVISION,
        SYSTEMIC_PROBLEM,
        CONSENT_CHANGE,
    )
}


# --- JSON Schema ---------------------------------------------------------------------------


def _all_regions() -> list[str]:
    return region_names("MD") + region_names("XK")


def field_schema(item: Field) -> dict[str, Any]:
    schema: dict[str, Any]
    if item.kind in ("text", "textarea"):
        schema = {"type": "string", "maxLength": item.max_length}
        if item.required:
            schema["minLength"] = 1
            schema["pattern"] = r"\S"
    elif item.kind == "version":
        # A version label, never free text: it sits in a clear column.
        schema = {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,40}$"}
    elif item.kind == "integer":
        schema = {"type": "integer", "minimum": item.minimum, "maximum": item.maximum}
    elif item.kind == "date":
        schema = {"type": "string", "format": "date"}
    elif item.kind == "datetime":
        schema = {"type": "string", "format": "date-time"}
    elif item.kind == "choice":
        schema = {"enum": item.choices.codes}
    elif item.kind == "region":
        schema = {"enum": _all_regions()}
    elif item.kind == "place":
        schema = {"enum": places("MD") + places("XK")}
    elif item.kind == "provider":
        schema = {"type": "string", "pattern": f"^{UUID4}$"}
    elif item.kind == "choices":
        schema = {
            "type": "array",
            "items": {"enum": item.choices.codes},
            "uniqueItems": True,
            "maxItems": len(item.choices.codes),
        }
    elif item.kind == "boolean":
        schema = {"type": "boolean"}
    elif item.kind == "hearing":
        schema = {"type": "string", "pattern": f"^{UUID4}$"}
    elif item.kind == "cases":
        schema = {
            "type": "array",
            "items": {"type": "string", "pattern": CASE_REFERENCE},
            "uniqueItems": True,
            "maxItems": 100,
        }
    elif item.kind == "answers":
        schema = {
            "type": "object",
            "maxProperties": 200,
            "propertyNames": {"pattern": "^[a-z0-9_.-]{1,64}$"},
            "additionalProperties": {"type": ["string", "integer"], "maxLength": 64},
        }
    elif item.kind == "safety_plan":
        # Actions with who does them and by when; sealed (free text), the dates also clear.
        schema = {
            "type": "array",
            "maxItems": SAFETY_PLAN_MAX,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["action"],
                "properties": {
                    "action": {
                        "type": "string",
                        "minLength": 1,
                        "pattern": r"\S",
                        "maxLength": 500,
                    },
                    "owner": {"anyOf": [{"type": "string", "maxLength": 100}, {"type": "null"}]},
                    "due_on": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
                },
            },
        }
    else:  # pragma: no cover - a definition error, caught by the schema test
        raise ValueError(f"unknown field kind {item.kind}")
    schema["title"] = item.label.message
    if not item.required:
        # Optional fields may be left out, or sent empty as null.
        schema = {"anyOf": [schema, {"type": "null"}], "title": item.label.message}
    return schema


def entry_schema(entry_type: EntryType) -> dict[str, Any]:
    if entry_type.case == "none":
        case_schema: dict[str, Any] = {"type": "null"}
    elif entry_type.case == "new":
        case_schema = {"type": "string", "pattern": f"^{UUID4}$"}
    else:
        case_schema = {"type": "string", "pattern": CASE_REFERENCE}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://alongside.invalid/schema/entries/{entry_type.key}",
        "title": entry_type.label.message,
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "case", "occurred_at", "fields"],
        "properties": {
            "type": {"const": entry_type.key},
            "case": case_schema,
            "occurred_at": {"type": "string", "format": "date-time"},
            "revises": {"anyOf": [{"type": "string", "pattern": f"^{UUID4}$"}, {"type": "null"}]},
            "fields": {
                "type": "object",
                "additionalProperties": False,
                "required": ["notes", *[f.key for f in entry_type.fields if f.required]],
                "properties": {item.key: field_schema(item) for item in entry_type.fields},
                **({"allOf": list(entry_type.rules)} if entry_type.rules else {}),
            },
        },
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    return {key: entry_schema(entry_type) for key, entry_type in ENTRY_TYPES.items()}


# --- Validation ----------------------------------------------------------------------------

format_checker = FormatChecker(formats=())

# RFC 3339 `date-time`, the meaning of the JSON Schema format, and nothing looser: a
# client validating with the published schema must accept exactly what the server does.
# ASCII digits only (`\d` would take any script's digits), `\Z` (`$` lets a newline by).
# Upper-case T and Z only (RFC 3339 tolerates lower case; phones never send it, and the
# server's date parsing does not read it).
_RFC3339_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})\Z"
)
_RFC3339_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


@format_checker.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339_DATE_TIME.match(value):
        return False  # a time without its offset is ambiguous; other spellings are not RFC 3339
    date.fromisoformat(value[:10])
    hour, minute, second = int(value[11:13]), int(value[14:16]), int(value[17:19])
    offset = value[19:].lstrip(".0123456789")
    if offset != "Z" and (int(offset[1:3]) > 23 or int(offset[4:6]) > 59):
        return False
    return hour <= 23 and minute <= 59 and second <= 59


@format_checker.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339_DATE.match(value):
        return False
    date.fromisoformat(value)
    return True


def _pattern(validator: Any, pattern: str, instance: object, schema: dict) -> Any:
    """`pattern` as JSON Schema means it (ECMA-262): an unescaped final `$` is the end of
    the string. Python's `$` also matches before a final newline, which would let
    "<uuid>\n" through to code that expects a clean UUID or case code."""
    if not isinstance(instance, str):
        return
    source = pattern
    if source.endswith("$") and not source.endswith("\\$"):
        source = source[:-1] + r"\Z"
    if not re.search(source, instance):
        yield ValidationError(f"does not match {pattern!r}")


def _is_strict_integer(_checker: Any, instance: object) -> bool:
    """JSON Schema's `integer` includes 1.0; the contract's integers are written as integers
    (`1`, never `1.0`, never `true`), so a float is refused even when it is whole."""
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(
    Draft202012Validator,
    {"pattern": _pattern},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)

_validators = {
    key: _Validator(schema, format_checker=format_checker) for key, schema in all_schemas().items()
}


class PlaintextError(Rejection):
    """The opened entry does not match its schema."""


# The names the schema itself defines: the only keys a message may repeat. Any other key was
# made up by the sender and may be content (a name typed where a key belongs).
_KNOWN_KEYS = frozenset(
    {"type", "case", "occurred_at", "revises", "fields"}
    | {item.key for entry_type in ENTRY_TYPES.values() for item in entry_type.fields}
)


def _place(error: Any) -> str:
    parts = [
        str(part) if isinstance(part, int) or part in _KNOWN_KEYS else "*"
        for part in error.absolute_path
    ]
    return ".".join(parts) or "entry"


def _describe(error: Any) -> str:
    """Where and what, never the submitted value (messages may reach logs and screens)."""
    place = _place(error)
    reasons = {
        "required": "a required field is missing",
        "additionalProperties": "has a field this entry type does not have",
        "enum": "is not one of the allowed values",
        "const": "has the wrong value",
        "type": "has the wrong type",
        "maxLength": "is too long",
        "minLength": "is empty",
        "pattern": "is empty or malformed",
        "format": "is not a valid date or time",
        "minimum": "is too small",
        "maximum": "is too large",
        "anyOf": "is not valid",
        "uniqueItems": "repeats a value",
        "maxItems": "has too many values",
        "maxProperties": "has too many values",
        "propertyNames": "has a malformed key",
    }
    detail = reasons.get(error.validator, "is not valid")
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        detail = f"is missing {', '.join(missing)}"
    elif error.validator == "additionalProperties":
        allowed = set((error.schema or {}).get("properties", {}))
        extra = set(error.instance or {}) - allowed
        named = sorted(extra & _KNOWN_KEYS)
        others = len(extra) - len(named)
        words = [f"unknown fields {', '.join(named)}"] if named else []
        if others:
            words.append(f"{others} unknown field{'s' if others > 1 else ''}")
        detail = "has " + " and ".join(words)
    return f"{place}: {detail}"


def validate_plaintext(plaintext: object) -> dict[str, Any]:
    """Check a decrypted entry against the published schema; raise PlaintextError."""
    if not isinstance(plaintext, dict):
        raise PlaintextError("schema_violation", "entry: must be a JSON object")
    entry_type = plaintext.get("type")
    validator = _validators.get(entry_type) if isinstance(entry_type, str) else None
    if validator is None:
        raise PlaintextError("unknown_type", "type: is not a known entry type")
    errors = sorted(validator.iter_errors(plaintext), key=lambda e: list(e.absolute_path))
    if errors:
        raise PlaintextError("schema_violation", "; ".join(_describe(e) for e in errors[:5]))
    return plaintext


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def clear_metadata(plaintext: dict[str, Any]) -> dict[str, Any]:
    """The fields of an entry that may sit in clear columns (categories, counts, dates)."""
    entry_type = ENTRY_TYPES[plaintext["type"]]
    fields = plaintext.get("fields", {})
    # A hearing reference left out is not the same as null: the key absent marks an older
    # phone, whose accompaniments the deadlines read by the legacy rule of time.
    return {
        item.key: fields.get(item.key)
        for item in entry_type.clear_fields
        if item.kind != "hearing" or item.key in fields
    }
