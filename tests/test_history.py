"""The promise of issue 5, judged by real Anki: a rebuild never costs a student their review history.

Build v1, import it, answer every card; edit the sources (a typo fix, an edited answer, a reworded
question, an inserted, a deleted and two swapped cards); build v2 later and import it with Anki's
default options. Edited notes must be updated in place, the one new card added, nothing duplicated,
and every review kept.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from genanki_build import notetypes, package
from genanki_build.build import build
from genanki_build.check import import_into
from genanki_build.errors import BuildError
from genanki_build.ledger import LEDGER_NAME
from tests.conftest import write_tree

V1_TIME = 1_700_000_000
V2_TIME = 1_700_086_400
DECK_TOML = '[collection]\nname = "History"\nnamespace = "tests/history"\n'


def brainscape(title: str, cards: list[tuple[str, str]]) -> str:
    """A Brainscape deck page as copied from the browser: a title, then numbered Q/A blocks."""
    blocks = [f"{title} Flashcards"]
    for n, (question, answer) in enumerate(cards, start=1):
        blocks.append(f"{n}\nQ\n{question}\nA\n{answer}")
    return "\n".join(blocks) + "\n"


L1 = [
    ("What is a marker segment?", "A group of buyers who respond alike to a marketing mix."),
    ("What does CRM stand for?", "Customer relationship management."),
    ("Which term names the tools a firm controls to sway demand?", "The marketing mix."),
    ("Define brand equity.", "The added value a brand name gives a product beyond its function."),
    ("What is a value proposition?", "The promise of value a company makes to its customers."),
    ("What is positioning?", "The place a brand occupies in the minds of its target customers."),
]
L2 = [
    ("What is churn?", "The share of customers who stop buying in a period."),
    ("What is customer lifetime value?", "The net present value of all future profits from one customer."),
    ("What is a touchpoint?", "Any moment at which a customer meets the brand."),
]


def v2_l1() -> list[tuple[str, str]]:
    cards = list(L1)
    cards[0] = ("What is a market segment?", cards[0][1])  # typo fixed
    cards[1] = (cards[1][0], "Customer relationship management: keeping and growing customers.")  # answer
    # The question reworded, the same answer:
    cards[2] = ("What do we call the controllable levers of marketing?", cards[2][1])
    cards[3], cards[5] = cards[5], cards[3]  # two cards swapped
    del cards[4]  # "What is a value proposition?" deleted
    cards.insert(2, ("What is a marketing funnel?", "The stages from awareness to purchase."))  # new
    return cards


def _snapshot(col: Any) -> dict[str, dict[str, Any]]:
    """Per note GUID: note id, fields, and its card's scheduling state and review count."""
    out: dict[str, dict[str, Any]] = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        (cid,) = note.card_ids()
        card = col.get_card(cid)
        reviews = col.db.scalar("SELECT count() FROM revlog WHERE cid = ?", cid)
        out[note.guid] = {
            "nid": nid,
            "fields": list(note.fields),
            "mod": note.mod,
            "sched": (card.type, card.queue, card.ivl, card.due, card.reps, card.did),
            "reviews": reviews,
        }
    return out


def _answer_all(col: Any) -> int:
    col.decks.select(col.decks.id_for_name("History"))  # the root: its subdecks are studied too
    answered = 0
    while True:
        card = col.sched.getCard()
        if card is None:
            return answered
        col.sched.answerCard(card, 4)  # "Easy": graduates at once, so each card is answered once
        answered += 1


def _structure(col: Any) -> tuple[set[int], set[int]]:
    return {m.id for m in col.models.all_names_and_ids()}, {d.id for d in col.decks.all_names_and_ids()}


def test_rebuild__keeps_review_history_through_edits(tmp_path: Path, collection: Any) -> None:
    src = write_tree(
        tmp_path / "src",
        {"l1.txt": brainscape("L1 Basics", L1), "l2.txt": brainscape("L2 Customers", L2)},
        DECK_TOML,
    )
    v1 = build(src, tmp_path / "v1", timestamp=V1_TIME)
    assert len(v1.cards) == 9
    import_into(collection, tmp_path / "v1" / "History.apkg")
    assert _answer_all(collection) == 9
    before = _snapshot(collection)
    assert all(s["reviews"] == 1 for s in before.values())
    models, decks = _structure(collection)

    write_tree(src, {"l1.txt": brainscape("L1 Basics", v2_l1())})
    v2 = build(src, tmp_path / "v2", timestamp=V2_TIME)
    log = import_into(collection, tmp_path / "v2" / "History.apkg").log
    after = _snapshot(collection)

    # Exactly one new note, and no duplicates: the deleted card's note stays with the student.
    assert len(log.new) == 1
    assert len(after) == len(before) + 1
    firsts = [s["fields"][0] for s in after.values()]
    assert len(firsts) == len(set(firsts))
    (new_guid,) = set(after) - set(before)
    assert after[new_guid]["fields"][0] == "What is a marketing funnel?"
    # Edited notes updated in place (same note id, new text); the rest left untouched.
    edited = {
        "What is a marker segment?": "What is a market segment?",
        "What does CRM stand for?": "Customer relationship management: keeping and growing customers.",
        "Which term names the tools a firm controls to sway demand?": (
            "What do we call the controllable levers of marketing?"
        ),
    }
    by_front = {s["fields"][0]: g for g, s in before.items()}
    for old_front, new_text in edited.items():
        guid = by_front[old_front]
        assert after[guid]["nid"] == before[guid]["nid"]
        assert new_text in after[guid]["fields"][:2]
    assert len(log.updated) == len(edited)
    unchanged = set(before) - {by_front[f] for f in edited}
    for guid in unchanged:
        assert after[guid]["fields"] == before[guid]["fields"]
        assert after[guid]["mod"] == before[guid]["mod"]
    # Every review kept: the same scheduling state and review log for every card the student had.
    for guid, state in before.items():
        assert after[guid]["sched"] == state["sched"]
        assert after[guid]["reviews"] == 1
    # No new note type or deck.
    assert _structure(collection) == (models, decks)
    removed = [f for f in v2.findings if f.kind == "ledger" and "removed" in f.message]
    assert len(removed) == 1 and "value proposition" in removed[0].message


def test_rebuild__renamed_file_keeps_guids(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"l1.txt": brainscape("L1 Basics", L1)}, DECK_TOML)
    v1 = build(src, tmp_path / "v1", timestamp=V1_TIME)
    (src / "l1.txt").rename(src / "lecture-one.txt")
    v2 = build(src, tmp_path / "v2", timestamp=V2_TIME)
    assert [c.guid for c in v2.cards] == [c.guid for c in v1.cards]
    assert {c.source.file for c in v2.cards} == {"lecture-one.txt"}
    # Unchanged content keeps its modification time, so Anki leaves students' copies alone.
    assert [c.mtime for c in v2.cards] == [V1_TIME] * len(L1)


def test_rebuild__renamed_file_with_a_typo_fix_keeps_guids(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"l1.txt": brainscape("L1 Basics", L1)}, DECK_TOML)
    v1 = build(src, tmp_path / "v1", timestamp=V1_TIME)
    (src / "l1.txt").unlink()
    fixed = [("What is a market segment?", L1[0][1]), *L1[1:]]
    write_tree(src, {"renamed.txt": brainscape("L1 Basics", fixed)})
    v2 = build(src, tmp_path / "v2", timestamp=V2_TIME)
    assert [c.guid for c in v2.cards] == [c.guid for c in v1.cards]
    assert [c.mtime for c in v2.cards] == [V2_TIME] + [V1_TIME] * (len(L1) - 1)


def test_rebuild__no_change_gives_identical_bytes(tmp_path: Path) -> None:
    src = write_tree(
        tmp_path / "src",
        {"l1.txt": brainscape("L1 Basics", L1), "l2.txt": brainscape("L2 Customers", L2)},
        DECK_TOML,
    )
    build(src, tmp_path / "a", timestamp=V1_TIME)
    lock_a = (src / LEDGER_NAME).read_bytes()
    # Even a later clock changes nothing: dates in the package follow the content.
    build(src, tmp_path / "b", timestamp=V2_TIME)
    assert (src / LEDGER_NAME).read_bytes() == lock_a
    for name in ("History.apkg", "cards.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_rebuild__same_inputs_and_epoch_give_identical_bytes(tmp_path: Path) -> None:
    files = {"l1.txt": brainscape("L1 Basics", L1)}
    src = write_tree(tmp_path / "src", files, DECK_TOML)
    build(src, tmp_path / "v1", timestamp=V1_TIME)
    write_tree(src, {"l1.txt": brainscape("L1 Basics", v2_l1())})
    lock_v1 = (src / LEDGER_NAME).read_bytes()
    build(src, tmp_path / "a", timestamp=V2_TIME)
    lock_a = (src / LEDGER_NAME).read_bytes()
    (src / LEDGER_NAME).write_bytes(lock_v1)
    build(src, tmp_path / "b", timestamp=V2_TIME)
    assert (src / LEDGER_NAME).read_bytes() == lock_a
    assert (tmp_path / "a" / "History.apkg").read_bytes() == (tmp_path / "b" / "History.apkg").read_bytes()


def test_rebuild__css_change_updates_note_type_in_place(
    tmp_path: Path, collection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write_tree(tmp_path / "src", {"l1.txt": brainscape("L1 Basics", L1)}, DECK_TOML)
    build(src, tmp_path / "v1", timestamp=V1_TIME)
    import_into(collection, tmp_path / "v1" / "History.apkg")
    models, decks = _structure(collection)
    monkeypatch.setattr(notetypes, "CSS", notetypes.CSS + "\n.card { letter-spacing: 0.01em; }\n")
    v2 = build(src, tmp_path / "v2", timestamp=V2_TIME)
    assert all(c.mtime == V1_TIME for c in v2.cards)
    import_into(collection, tmp_path / "v2" / "History.apkg")
    assert _structure(collection) == (models, decks)
    basic = collection.models.by_name("History Basic")
    assert "letter-spacing: 0.01em" in basic["css"]
    assert collection.note_count() == len(L1)


def test_rebuild__field_change_refused_without_flag(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"l1.txt": brainscape("L1 Basics", L1)}, DECK_TOML)
    build(src, tmp_path / "v1", timestamp=V1_TIME)
    lock = src / LEDGER_NAME
    # As if the last release had no "Add Reverse" field: this build would add one.
    text = lock.read_text(encoding="utf-8").replace('["Front", "Back", "Add Reverse"]', '["Front", "Back"]')
    lock.write_text(text, encoding="utf-8")
    with pytest.raises(BuildError, match="--allow-field-change"):
        build(src, tmp_path / "v2", timestamp=V2_TIME)
    assert lock.read_text(encoding="utf-8") == text, "a failed build must not touch the ledger"
    result = build(src, tmp_path / "v2", timestamp=V2_TIME, allow_field_change=True)
    warnings = [f.message for f in result.warnings if f.kind == "warning" and f.stage == "ledger"]
    assert len(warnings) == 1 and "Add Reverse" in warnings[0]


def test_rebuild__allowed_field_change_forks_as_reported(
    tmp_path: Path, collection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What --allow-field-change tells the maintainer is what a student's Anki then does."""
    src = write_tree(tmp_path / "src", {"l1.txt": brainscape("L1 Basics", L1)}, DECK_TOML)
    build(src, tmp_path / "v1", timestamp=V1_TIME)
    import_into(collection, tmp_path / "v1" / "History.apkg")
    stock = notetypes.note_types

    def renamed(collection_name: str) -> dict[str, notetypes.NoteTypeSpec]:
        specs = stock(collection_name)
        basic = specs["basic"]
        templates = tuple(
            replace(t, front=t.front.replace("Add Reverse", "Reversed")) for t in basic.templates
        )
        specs["basic"] = replace(basic, fields=("Front", "Back", "Reversed"), templates=templates)
        return specs

    monkeypatch.setattr(notetypes, "note_types", renamed)
    monkeypatch.setattr(package, "note_types", renamed)
    edited = [
        (L1[0][0], "An edited answer."),
        *L1[1:],
        ("What is a brand new card?", "One added with the change."),
    ]
    write_tree(src, {"l1.txt": brainscape("L1 Basics", edited)})
    result = build(src, tmp_path / "v2", timestamp=V2_TIME, allow_field_change=True)
    (warning,) = [f.message for f in result.warnings if f.stage == "ledger"]
    assert "'History Basic+'" in warning and "conflicting" in warning
    log = import_into(collection, tmp_path / "v2" / "History.apkg").log
    assert len(log.new) == 1 and len(log.conflicting) == len(L1) and not log.updated
    names = {m.name for m in collection.models.all_names_and_ids()}
    assert {"History Basic", "History Basic+"} <= names


@pytest.mark.parametrize("change", ["renamed without a namespace", "deck.toml deleted"])
def test_rebuild__a_namespace_that_moves_is_refused(tmp_path: Path, change: str) -> None:
    """Deleting deck.toml, or renaming a collection that sets no namespace, moved every note type
    and deck ID: Anki saw each rebuilt note as a conflict, and students never got an update again."""
    files = {"L1 Segments.txt": brainscape("L1 Segments", L1)}
    src = write_tree(tmp_path / "src", files, '[collection]\nname = "History"\n')
    first = build(src, tmp_path / "out", timestamp=V1_TIME)
    assert '"namespace": "History"' in (src / LEDGER_NAME).read_text(encoding="utf-8")
    if change == "deck.toml deleted":
        (src / "deck.toml").unlink()
        becomes = "'Src' (taken from the collection's name 'Src', as deck.toml sets no namespace)"
    else:
        (src / "deck.toml").write_text('[collection]\nname = "History 101"\n', encoding="utf-8")
        becomes = (
            "'History 101' (taken from the collection's name 'History 101', as deck.toml sets no namespace)"
        )
    ledger = (src / LEDGER_NAME).read_bytes()
    with pytest.raises(BuildError) as raised:
        build(src, tmp_path / "out", timestamp=V2_TIME)
    assert str(raised.value) == (
        f"{src / LEDGER_NAME}: its notes were released under the namespace 'History', this build's is "
        f'{becomes}; students\' notes would stop updating — set namespace = "History" under [collection] '
        "in deck.toml (or delete cards.lock to start a new deck)"
    )
    assert (src / LEDGER_NAME).read_bytes() == ledger
    # The advice works: the notes keep their GUIDs under the new name.
    (src / "deck.toml").write_text(
        '[collection]\nname = "History 101"\nnamespace = "History"\n', encoding="utf-8"
    )
    after = build(src, tmp_path / "out", timestamp=V2_TIME)
    assert [c.guid for c in after.cards] == [c.guid for c in first.cards]
    assert {c.deck.split("::")[0] for c in after.cards} == {"History 101"}


def test_rebuild__a_card_removed_and_restored_gets_its_guid_back(tmp_path: Path) -> None:
    """The ledger forgot a removed note at once: a file emptied by mistake and restored, or a card
    deleted and added back, reached students as a new note beside their reviewed copy."""
    l1, l2 = brainscape("L1 Segments", L1), brainscape("L2 Retention", L2)
    src = write_tree(tmp_path / "src", {"L1 Segments.txt": l1, "L2 Retention.txt": l2}, DECK_TOML)
    first = {c.front: c.guid for c in build(src, tmp_path / "out", timestamp=V1_TIME).cards}
    (src / "L1 Segments.txt").write_text("L1 Segments Flashcards\n", encoding="utf-8")
    removed = build(src, tmp_path / "out", timestamp=V2_TIME)
    gone = [f for f in removed.findings if f.message.startswith("removed since the last build")]
    assert len(gone) == len(L1)
    assert (src / LEDGER_NAME).read_text(encoding="utf-8").count(f'"removed": {V2_TIME}') == len(L1)
    # Reported once, when it goes; and a similar new card never takes a removed note's GUID.
    (src / "L3.txt").write_text(brainscape("L3", [("What is a market segmentation?", L1[0][1])]), "utf-8")
    again = build(src, tmp_path / "out", timestamp=V2_TIME + 10)
    assert not [f for f in again.findings if f.message.startswith("removed since the last build")]
    (new,) = [c for c in again.cards if c.source.file == "L3.txt"]
    assert new.guid not in first.values()
    (src / "L3.txt").unlink()
    (src / "L1 Segments.txt").write_text(l1, encoding="utf-8")
    restored = build(src, tmp_path / "out", timestamp=V2_TIME + 20)
    assert {c.front: c.guid for c in restored.cards} == first
    back = [f for f in restored.findings if f.message.startswith("back in the sources, with its GUID")]
    assert len(back) == len(L1)
    assert '"removed": ' + str(V2_TIME) not in (src / LEDGER_NAME).read_text(encoding="utf-8")


def test_rebuild__a_question_with_another_number_is_another_card(tmp_path: Path) -> None:
    """ "When did WW1 start?" rewritten as "When did WW2 start?" kept the GUID, and with it the
    students' schedule of a fact they had never seen."""
    cards = [("When did WW1 start?", "In 1914."), ("When was the company founded?", "In 1901.")]
    src = write_tree(tmp_path / "src", {"L1.txt": brainscape("L1", cards)}, DECK_TOML)
    first = build(src, tmp_path / "out", timestamp=V1_TIME).cards
    edited = [("When did WW2 start?", "In 1939."), ("When was the company founded?", "In 1902.")]
    (src / "L1.txt").write_text(brainscape("L1", edited), encoding="utf-8")
    second = build(src, tmp_path / "out", timestamp=V2_TIME).cards
    assert second[0].guid != first[0].guid  # another question
    assert second[1].guid == first[1].guid  # a corrected answer


def test_rebuild__a_card_moved_with_a_small_edit_keeps_its_guid_over_a_new_lookalike(tmp_path: Path) -> None:
    """Matching within a file ran first: a new variant left in the old file took the GUID (and the
    reviews) of the card that had moved to another file with a small edit."""
    golgi = (
        "What is the function of the Golgi apparatus?",
        "Modifies, sorts and packages proteins for secretion",
    )
    src = write_tree(tmp_path / "src", {"L1 Cells.txt": brainscape("L1 Cells", [golgi, *L2[:1]])}, DECK_TOML)
    (first, _) = build(src, tmp_path / "out", timestamp=V1_TIME).cards
    variant = ("What is the main function of the Golgi apparatus?", "It packages proteins")
    moved = (golgi[0], "It modifies, sorts and packages proteins for secretion.")
    (src / "L1 Cells.txt").write_text(brainscape("L1 Cells", [variant, *L2[:1]]), encoding="utf-8")
    (src / "L2 Transport.txt").write_text(brainscape("L2 Transport", [moved]), encoding="utf-8")
    by_front = {
        (c.source.file, c.front): c.guid for c in build(src, tmp_path / "out", timestamp=V2_TIME).cards
    }
    assert by_front[("L2 Transport.txt", moved[0])] == first.guid
    assert by_front[("L1 Cells.txt", variant[0])] != first.guid


def test_rebuild__an_edited_cloze_note_keeps_its_guid(tmp_path: Path) -> None:
    """The question-number rule counted the deletions' numbers ({{c1::}} → {{c2::}}): every edited
    cloze note came as a new note beside the students' reviewed copy."""
    text = "# L1\n\nThe {{c1::ribosome}} reads messenger RNA three bases at a time.\n"
    src = write_tree(tmp_path / "src", {"bio.md": text}, DECK_TOML)
    (first,) = build(src, tmp_path / "out", timestamp=V1_TIME).cards
    edited = "# L1\n\nThe {{c1::ribosome}} reads {{c2::messenger RNA}} three bases at a time.\n"
    (src / "bio.md").write_text(edited, encoding="utf-8")
    (second,) = build(src, tmp_path / "out", timestamp=V2_TIME).cards
    assert second.guid == first.guid


def test_rebuild__a_card_left_out_is_not_reported_back_on_every_build(tmp_path: Path) -> None:
    """A packaged card that became excluded was recorded as removed, then reported as "back in the
    sources" on every later build."""
    cards = [("What is a cell?", "The unit of life."), ("Cell diagram labels", "See picture")]
    src = write_tree(
        tmp_path / "src",
        {"L1.txt": brainscape("L1", cards)},
        DECK_TOML + "[options]\ninclude_incomplete = true\n",
    )
    build(src, tmp_path / "out", timestamp=V1_TIME)
    (src / "deck.toml").write_text(DECK_TOML, encoding="utf-8")
    for k in range(3):
        result = build(src, tmp_path / "out", timestamp=V2_TIME + k)
        assert [c.front for c in result.excluded] == ["Cell diagram labels"]
        assert not [f for f in result.findings if f.stage == "ids" and f.kind == "ledger"], k


def test_rebuild__a_card_left_out_is_not_counted_as_an_edit_that_kept_its_guid(tmp_path: Path) -> None:
    """A card whose answer became "see picture" was reported as an edited card keeping its GUID."""
    cards = [("What does the heart do?", "It pumps blood."), ("What is a cell?", "The unit of life.")]
    src = write_tree(tmp_path / "src", {"L1.txt": brainscape("L1", cards)}, DECK_TOML)
    build(src, tmp_path / "out", timestamp=V1_TIME)
    (src / "L1.txt").write_text(brainscape("L1", [(cards[0][0], "See picture"), cards[1]]), encoding="utf-8")
    result = build(src, tmp_path / "out", timestamp=V2_TIME)
    assert [c.front for c in result.excluded] == ["What does the heart do?"]
    assert not [f for f in result.findings if f.stage == "ids" and f.message.startswith("edited card")]
