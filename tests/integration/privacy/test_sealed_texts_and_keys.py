"""Every sealed text the server keeps — supervisors' comments, people's case labels, comments
on a draft risk instrument — is re-wrapped by `keys rotate`, counted by `keys retire` as a key
still in use, and still opens for its reader afterwards. A kid missed by either would make a
stored text unreadable for good."""

from __future__ import annotations

import uuid

from server.approvals.services import history
from server.approvals.tables import Decision
from server.cases.labels import labels_for, set_label
from server.cases.tables import CaseLabel
from server.entries.rotation import rotate_keys
from server.instruments.tables import InstrumentComment
from server.privacy.keys import keys_in_use, retire_keys
from server.sealing.keys import key_ring
from tests.integration.instruments.test_versions import people, post  # noqa: F401 (fixture)
from tests.support.accounts import log_in
from tests.support.approvals import current_user, decided
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

COMMENT = "Say which day the appointment was moved to."


def test_rotation_rewraps_and_retirement_keeps_every_sealed_text(client, people) -> None:  # noqa: F811
    ion, maria = people["ion"], people["maria"]
    case_id, _code = open_case(ion)
    visit = submit(ion, plaintext("visit", case_id))["id"]
    decided(maria, visit, "returned", COMMENT)
    run(set_label(current_user(ion), uuid.UUID(case_id), "blue coat"))
    log_in(client, "arta")
    assert post(client, "/instruments/draft").status_code == 303
    assert post(client, "/instruments/draft/consultation", open="1").status_code == 303
    client.cookies.clear()
    log_in(client, "besa")
    assert post(client, "/instruments/draft/comments", item="", text="Unclear.").status_code == 303
    first = key_ring().current_kid()

    # Before a rotation each text's key is in use; nothing can be retired.
    assert first in run(keys_in_use())

    new_kid, _count = run(rotate_keys())
    assert new_kid != first
    kids = {
        "decision": run(Decision.select(Decision.comment_key_kid).where(Decision.entry == visit)),
        "label": run(CaseLabel.select(CaseLabel.key_kid)),
        "instrument": run(InstrumentComment.select(InstrumentComment.key_kid)),
    }
    assert [row["comment_key_kid"] for row in kids["decision"]] == [new_kid]
    assert [row["key_kid"] for row in kids["label"]] == [new_kid]
    assert [row["key_kid"] for row in kids["instrument"]] == [new_kid]

    # Every text is re-wrapped, so the old key wraps nothing and may go...
    assert first not in run(keys_in_use())
    retired = run(retire_keys(force=True))
    assert retired.retired == [first]
    # ...and each text still opens with what is left.
    versions = run(history(visit))
    assert versions[0]["decision"]["comment"] == COMMENT
    assert run(labels_for(current_user(ion), [uuid.UUID(case_id)])) == {case_id: "blue coat"}
    page = client.get("/instruments/draft/comments")
    assert "Unclear." in page.text


def test_a_key_still_wrapping_a_label_or_comment_is_not_retired(client, people) -> None:  # noqa: F811
    ion, maria = people["ion"], people["maria"]
    case_id, _code = open_case(ion)
    visit = submit(ion, plaintext("visit", case_id))["id"]
    first = key_ring().current_kid()
    decided(maria, visit, "returned", COMMENT)
    run(set_label(current_user(ion), uuid.UUID(case_id), "blue coat"))
    label = run(CaseLabel.select(CaseLabel.id, CaseLabel.key_kid, CaseLabel.wrapped_key).first())
    decision = run(
        Decision.select(Decision.id, Decision.comment_sealed, Decision.comment_key_kid).first()
    )
    run(rotate_keys())
    # The entries are re-wrapped; the two texts are put back as a rotation that did not know
    # them would have left them: still wrapped to the first key.
    run(
        CaseLabel.update(
            {CaseLabel.key_kid: label["key_kid"], CaseLabel.wrapped_key: label["wrapped_key"]}
        ).where(CaseLabel.id == label["id"])
    )
    run(
        Decision.update(
            {
                Decision.comment_sealed: decision["comment_sealed"],
                Decision.comment_key_kid: decision["comment_key_kid"],
            }
        ).where(Decision.id == decision["id"])
    )
    assert first in run(keys_in_use())
    retired = run(retire_keys(force=True))
    assert first not in retired.retired and first in key_ring().kids()
    assert run(labels_for(current_user(ion), [uuid.UUID(case_id)])) == {case_id: "blue coat"}
    assert run(history(visit))[0]["decision"]["comment"] == COMMENT
