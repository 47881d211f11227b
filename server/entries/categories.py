"""Choice lists, aligned with IOM's Human Trafficking Case Data Standard (HTCDS / CTDC).

Codes are stable identifiers stored in entries and exported in indicators; labels are
translated. Every sensitive list has "not disclosed": nobody is pressed for an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.core.i18n import LazyString
from server.core.i18n import lazy_gettext as _l

NOT_DISCLOSED = ("not_disclosed", _l("Not disclosed"))


@dataclass(frozen=True)
class ChoiceList:
    name: str
    options: tuple[tuple[str, LazyString], ...]

    @property
    def codes(self) -> list[str]:
        return [code for code, _label in self.options]

    def label(self, code: str | None) -> str:
        for option_code, label in self.options:
            if option_code == code:
                return str(label)
        return code or ""


SEX = ChoiceList(
    "sex",
    (("female", _l("Female")), ("male", _l("Male")), ("other", _l("Other")), NOT_DISCLOSED),
)

# HTCDS / CTDC age bands.
AGE_BAND = ChoiceList(
    "age_band",
    (
        ("0-8", _l("0–8 years")),
        ("9-17", _l("9–17 years")),
        ("18-20", _l("18–20 years")),
        ("21-23", _l("21–23 years")),
        ("24-26", _l("24–26 years")),
        ("27-29", _l("27–29 years")),
        ("30-38", _l("30–38 years")),
        ("39-47", _l("39–47 years")),
        ("48+", _l("48 years or older")),
        NOT_DISCLOSED,
    ),
)

# ISO 3166-1 alpha-2 (XK as used by the EU and IOM), the citizenships these teams meet.
CITIZENSHIP = ChoiceList(
    "citizenship",
    (
        ("MD", _l("Moldova")),
        ("XK", _l("Kosovo")),
        ("AL", _l("Albania")),
        ("RS", _l("Serbia")),
        ("MK", _l("North Macedonia")),
        ("ME", _l("Montenegro")),
        ("BA", _l("Bosnia and Herzegovina")),
        ("UA", _l("Ukraine")),
        ("RO", _l("Romania")),
        ("RU", _l("Russia")),
        ("BY", _l("Belarus")),
        ("TR", _l("Türkiye")),
        ("DE", _l("Germany")),
        ("IT", _l("Italy")),
        ("FR", _l("France")),
        ("GB", _l("United Kingdom")),
        ("IL", _l("Israel")),
        ("AE", _l("United Arab Emirates")),
        ("CN", _l("China")),
        ("NP", _l("Nepal")),
        ("BD", _l("Bangladesh")),
        ("PH", _l("Philippines")),
        ("NG", _l("Nigeria")),
        ("stateless", _l("Stateless")),
        ("other", _l("Other")),
        NOT_DISCLOSED,
    ),
)

# HTCDS "type of exploitation".
EXPLOITATION = ChoiceList(
    "exploitation",
    (
        ("sexual", _l("Sexual exploitation")),
        ("forced_labour", _l("Forced labour")),
        ("forced_marriage", _l("Forced marriage")),
        ("forced_criminality", _l("Forced criminal activity")),
        ("begging", _l("Forced begging")),
        ("slavery", _l("Slavery and similar practices")),
        ("organ_removal", _l("Removal of organs")),
        ("forced_military", _l("Forced military service")),
        ("other", _l("Other")),
        NOT_DISCLOSED,
    ),
)

# HTCDS "means of control".
MEANS_OF_CONTROL = ChoiceList(
    "means_of_control",
    (
        ("debt_bondage", _l("Debt bondage")),
        ("takes_earnings", _l("Takes earnings")),
        ("threats", _l("Threats")),
        ("psychological_abuse", _l("Psychological abuse")),
        ("physical_abuse", _l("Physical abuse")),
        ("sexual_abuse", _l("Sexual abuse")),
        ("false_promises", _l("False promises")),
        ("substances", _l("Psychoactive substances")),
        ("restricts_movement", _l("Restricts movement")),
        ("withholds_documents", _l("Withholds documents")),
        ("threat_of_authorities", _l("Threat of law enforcement or deportation")),
        ("other", _l("Other")),
        NOT_DISCLOSED,
    ),
)

# HTCDS "recruiter relationship".
RECRUITER_RELATION = ChoiceList(
    "recruiter_relation",
    (
        ("intimate_partner", _l("Intimate partner")),
        ("family", _l("Family member")),
        ("friend", _l("Friend or acquaintance")),
        ("stranger", _l("Stranger")),
        ("agency", _l("Agency or employer")),
        ("online", _l("Met online")),
        ("other", _l("Other")),
        NOT_DISCLOSED,
    ),
)

IDENTIFICATION = ChoiceList(
    "identification",
    (
        ("presumed", _l("Presumed victim")),
        ("identified", _l("Identified victim (NRM)")),
    ),
)

CONSENT = ChoiceList(
    "consent",
    (
        ("given", _l("Given")),
        ("refused", _l("Refused")),
        ("not_asked", _l("Not asked yet")),
    ),
)

CONSENT_MANNER = ChoiceList(
    "consent_manner",
    (
        ("written", _l("In writing")),
        ("oral", _l("Orally, recorded by me")),
        ("guardian", _l("By a legal guardian")),
    ),
)

VISIT_PLACE = ChoiceList(
    "visit_place",
    (
        ("home", _l("The person's home")),
        ("centre", _l("Assistance centre")),
        ("shelter", _l("Shelter")),
        ("institution", _l("Institution")),
        ("other", _l("Other")),
    ),
)

INSTITUTION = ChoiceList(
    "institution",
    (
        ("police", _l("Police")),
        ("prosecutor", _l("Prosecutor")),
        ("court", _l("Court")),
        ("lawyer", _l("Lawyer")),
        ("medical", _l("Medical institution")),
        ("social", _l("Social assistance")),
        ("other", _l("Other authority")),
    ),
)

HEARING_TYPE = ChoiceList(
    "hearing_type",
    (
        ("none", _l("No hearing")),
        ("statement", _l("Statement or interview")),
        ("confrontation", _l("Confrontation")),
        ("preliminary", _l("Preliminary hearing")),
        ("trial", _l("Trial hearing")),
        ("appeal", _l("Appeal hearing")),
        ("other", _l("Other")),
    ),
)

# What became of a scheduled hearing (the `hearing_update` entry).
HEARING_CHANGE = ChoiceList(
    "hearing_change",
    (("moved", _l("Moved to another date")), ("cancelled", _l("Cancelled"))),
)

YES_NO_UNKNOWN = ChoiceList(
    "yes_no_unknown",
    (("yes", _l("Yes")), ("partly", _l("Partly")), ("no", _l("No")), ("unknown", _l("Not known"))),
)

SERVICE_TYPE = ChoiceList(
    "service_type",
    (
        ("legal", _l("Legal")),
        ("medical", _l("Medical")),
        ("psychological", _l("Psychological")),
        ("social", _l("Social")),
        ("housing", _l("Housing")),
        ("employment", _l("Employment")),
        ("education", _l("Education")),
    ),
)

REFERRAL_STATUS = ChoiceList(
    "referral_status",
    (
        ("sent", _l("Sent")),
        ("accepted", _l("Accepted")),
        ("received", _l("Service received")),
        ("declined", _l("Declined")),
    ),
)

RISK_LEVEL = ChoiceList(
    "risk_level",
    (
        ("low", _l("Low")),
        ("medium", _l("Medium")),
        ("high", _l("High")),
        ("critical", _l("Critical")),
    ),
)

# Events that make a risk reassessment due at once (the instrument file names which apply).
RISK_TRIGGER = ChoiceList(
    "risk_trigger",
    (
        ("incident", _l("An incident")),
        ("trafficker_contact", _l("Contact by a trafficker or exploiter")),
        ("hearing_soon", _l("A hearing or testimony is close")),
        ("left_shelter", _l("Left the shelter")),
        ("health_crisis", _l("A health crisis")),
    ),
)

TRAINING_AUDIENCE = ChoiceList(
    "training_audience",
    (
        ("social_assistants", _l("Community social assistants")),
        ("specialists", _l("Social-assistance specialists")),
        ("police", _l("Police")),
        ("medical", _l("Medical staff")),
        ("education", _l("Education staff")),
        ("mixed", _l("Mixed audience")),
    ),
)

SUPERVISION_AUDIENCE = ChoiceList(
    "supervision_audience",
    (
        ("specialists", _l("Specialists")),
        ("social_assistants", _l("Community social assistants")),
        ("both", _l("Specialists and social assistants")),
    ),
)

PROBLEM_KIND = ChoiceList(
    "problem_kind",
    (
        ("institutional", _l("Institutional")),
        ("normative", _l("Normative")),
        ("procedural", _l("Procedural")),
    ),
)

CLOSE_REASON = ChoiceList(
    "close_reason",
    (
        ("reintegrated", _l("Assistance completed")),
        ("withdrew", _l("The person withdrew consent")),
        ("moved", _l("The person moved away")),
        ("transferred", _l("Transferred to another service")),
        ("no_contact", _l("No contact for a long time")),
        ("other", _l("Other")),
    ),
)
