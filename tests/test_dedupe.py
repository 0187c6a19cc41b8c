"""The dedupe stage: copies merge into the first, conflicts are kept and flagged, order does not matter."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from genanki_build import dedupe, dedupe_blocks, dedupe_keys, slips
from genanki_build.build import build
from genanki_build.dedupe import merge_duplicates
from genanki_build.dedupe_keys import card_key, conflict_key
from genanki_build.formats import default_registry
from genanki_build.model import Card, Markup, NoteType, SourceRef
from genanki_build.parsing import parse_sources
from genanki_build.sources import read_sources
from genanki_build.stage import Context
from tests.conftest import SOURCE, write_tree

CTX = Context()


def _card(front: str, back: str, file: str = "a.txt", line: int = 1, **kw: object) -> Card:
    return Card(front, back, SourceRef(file, line, line + 1), "quizlet-page", **kw)  # type: ignore[arg-type]


def test_dedupe__case_whitespace_punctuation_and_bullets_merge_into_the_first() -> None:
    first = _card("What is CRM?", "· An ongoing process\n· of building relationships", tags=("x",))
    second = _card(
        "what is  crm", "- an ongoing process.\n- Of building relationships!", "b.txt", 7, tags=("y",)
    )
    result = merge_duplicates((first, second), CTX)
    (note,) = result.cards
    assert (note.front, note.back, note.source) == (first.front, first.back, first.source)
    assert note.tags == ("x", "y")
    assert note.also_from == (second.source,)
    (finding,) = result.findings
    assert finding.kind == "merge"
    assert "a.txt:1-2" in finding.message and "b.txt:7-8" in finding.message
    assert finding.before == f"{second.front}\n{second.back}"


def test_dedupe__keeps_the_first_cards_identity_and_guid() -> None:
    first = _card("Term", "Definition of the term", identity="raw-1")
    second = _card("TERM", "definition of the term", "b.txt", guid="abc", guid_given=True, identity="raw-2")
    (note,) = merge_duplicates((first, second), CTX).cards
    assert (note.identity, note.guid, note.guid_given) == ("raw-1", "", False)


def test_dedupe__list_items_in_another_order_merge() -> None:
    a = _card("Evolution of online CRM", "· Seamless\n· Networked\n· Omnichannel")
    b = _card("Evolution of online CRM", "· Omnichannel\n· Seamless\n· Networked", "b.txt")
    assert len(merge_duplicates((a, b), CTX).cards) == 1


def test_dedupe__a_typo_in_a_long_card_still_merges() -> None:
    a = _card(
        "What are the two extremes of a customer relationship?", "Basic relationships and full partnerships"
    )
    b = _card(
        "What are the two extreems of a customer relationship?", "Basic relationships and full partnerships"
    )
    assert len(merge_duplicates((a, b), CTX).cards) == 1


def test_dedupe__short_cards_one_letter_apart_stay_apart() -> None:
    """Typo tolerance grows with length: "CRM" and "CEM" are different cards, not a typo."""
    a = _card("What is CRM?", "A process")
    b = _card("What is CEM?", "A process")
    result = merge_duplicates((a, b), CTX)
    assert len(result.cards) == 2 and result.findings == ()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("In which year did the war (WW2) end in Europe?", "The war in Europe ended in 1945"),
         ("In which year did the war (WW1) end in Europe?", "The war in Europe ended in 1918")),
        (("What do we call a water solution of pH 7 at room temperature?", "A neutral solution"),
         ("What do we call a water solution of pH 8 at room temperature?", "A neutral solution")),
        (("Which vitamin deficiency is vitamin B12 deficiency, in short?", "Cobalamin deficiency"),
         ("Which vitamin deficiency is vitamin B1 deficiency, in short?", "Cobalamin deficiency")),
        (("What is the name of practice item number 11?", "It is item eleven"),
         ("What is the name of practice item number 12?", "It is item eleven")),
    ],
)  # fmt: skip
def test_dedupe__cards_whose_numbers_differ_stay_apart(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    """Cards one keystroke apart merged when the keystroke was a digit: a build merged 90 cards
    "What is item 11?" … "What is item 99?" into one note. A number that differs is never a typo."""
    cards = (_card(*first), _card(*second, line=2))
    assert len(merge_duplicates(cards, CTX).cards) == 2
    same_numbers = (_card(*first), _card(first[0].lower(), first[1] + ".", line=2))
    assert len(merge_duplicates(same_numbers, CTX).cards) == 1


_LOOKALIKES = {
    "base pairs": [("Which base pairs with T?", "A"), ("Which base pairs with G?", "C"),
                   ("Which base pairs with A?", "T"), ("Which base pairs with C?", "G")],
    "kana": [("あ", "a"), ("い", "i"), ("う", "u")],
    "greek": [("α", "a"), ("β", "b")],
    "hepatitis A/E": [("Is hepatitis A spread by the faecal-oral route?", "Yes"),
                      ("Is hepatitis E spread by the faecal-oral route?", "Yes")],
    "vitamin D/K": [("Is vitamin D fat soluble?", "Yes"), ("Is vitamin K fat soluble?", "Yes")],
    "class Ia/Ic": [("Which antiarrhythmics are class Ia drugs?", "Sodium channel blockers"),
                    ("Which antiarrhythmics are class Ic drugs?", "Sodium channel blockers")],
    "symbols": [("+", "plus"), ("-", "plus"), ("→", "→"), ("←", "←")],
    "Henry VII/VIII": [("Is Henry VII an English king?", "Yes"), ("Is Henry VIII an English king?", "Yes")],
    "chapter XXVIII/XXIII": [("What does chapter XXVIII of the treaty cover?", "Dispute settlement"),
                             ("What does chapter XXIII of the treaty cover?", "Dispute settlement")],
    "agonist/antagonist": [("Does the drug have an agonist effect on the receptor?", "Yes"),
                           ("Does the drug have an antagonist effect on the receptor?", "Yes")],
    "dysphagia/dysphasia": [("What is dysphagia?", "Difficulty with speech"),
                            ("What is dysphasia?", "Difficulty with speech")],
    "hyper/hypotension": [("Is hypertension a risk factor for stroke?", "Yes"),
                          ("Is hypotension a risk factor for stroke?", "Yes")],
    "hyper/hypokalaemia": [("Which ECG change does hyperkalaemia cause?", "Tall tented T waves"),
                           ("Which ECG change does hypokalaemia cause?", "Tall tented T waves")],
    "hyper/hypoglycaemia": [("Is hyperglycaemia a feature of diabetic ketoacidosis?", "Yes"),
                            ("Is hypoglycaemia a feature of diabetic ketoacidosis?", "Yes")],
    "ileum/ilium": [("Is vitamin B12 absorbed in the terminal ileum?", "Yes, bound to intrinsic factor"),
                    ("Is vitamin B12 absorbed in the terminal ilium?", "Yes, bound to intrinsic factor")],
    "HbS/HbC": [("Which haemoglobin variant is HbS in sickle cell disease?", "A beta globin variant"),
                ("Which haemoglobin variant is HbC in sickle cell disease?", "A beta globin variant")],
}  # fmt: skip


@pytest.mark.parametrize("cards", list(_LOOKALIKES.values()), ids=list(_LOOKALIKES))
def test_dedupe__different_cards_that_look_alike_stay_apart(cards: list[tuple[str, str]]) -> None:
    """Different cards merged as copies and the others vanished from the package: single letters
    and single characters were not words ("pairs with T?" was "pairs with G?", every kana card an
    empty bag), the question's and answer's words were one bag ("T?"/"A" was "A?"/"T"), and a typo
    was any edit, even one making another real word (dysphagia/dysphasia) or a Roman numeral."""
    result = merge_duplicates(tuple(_card(f, b, line=2 * n + 1) for n, (f, b) in enumerate(cards)), CTX)
    assert len(result.cards) == len(cards)
    assert not [f for f in result.findings if f.kind == "merge"]


@pytest.mark.parametrize(
    ("original", "slip", "lookalike"),
    [
        (("What is the powerhouse of the cell?", "The mitochondria"),
         ("What is the powerhuose of the cell?", "The mitochondria"),
         ("What is the powerhouse of the T cell?", "The mitochondria")),
        (("Which enzyme breaks down acetylcholine?", "Acetylcholinesterase"),
         ("Which enzyme breaks down acetylcholine?", "Acetylcholinesterse"),
         ("Acetylcholinesterase", "Which enzyme breaks down acetylcholine?")),
        (("Is hypertension a risk factor for stroke?", "Yes"),
         ("Is hypertnesion a risk factor for stroke?", "Yes"),
         ("Is hypotension a risk factor for stroke?", "Yes")),
    ],
)  # fmt: skip
def test_dedupe__a_slip_copy_merges_and_a_lookalike_stays_apart(
    original: tuple[str, str], slip: tuple[str, str], lookalike: tuple[str, str]
) -> None:
    """A copy with a slip of the keyboard (letters swapped, one dropped from a long word) is still a
    copy; a lookalike (a letter more, the sides reversed, another real word) merged with both too."""
    cards = (_card(*original, line=1), _card(*lookalike, line=3), _card(*slip, "b.txt", 5))
    result = merge_duplicates(cards, CTX)
    assert [(c.front, c.back) for c in result.cards] == [original, lookalike]
    assert result.cards[0].also_from == (cards[2].source,)


@pytest.mark.parametrize(
    ("a", "b", "slip"),
    [
        ("powerhouse", "powerhuose", True),  # neighbours swapped
        ("receptor", "receptir", True),  # o and i are neighbouring keys
        ("dysphagia", "dysphasia", False),  # g and s are not
        ("lose", "loose", True),  # a doubled letter
        ("hat", "hart", True),  # an added key beside a neighbour (r by t)
        ("cart", "carts", False),  # an added key by no neighbour, in a short word
        ("acetylcholinesterase", "acetylcholinesterse", True),  # any letter of a long word dropped
        ("agonist", "antagonist", False),  # three letters
        ("hypertension", "hypotension", False),  # two edits
    ],
)
def test_one_slip__takes_only_keyboard_slips(a: str, b: str, slip: bool) -> None:
    """Typo matching took any edit within its allowance as a typo; only slips of the keyboard are."""
    short, long = sorted((a, b), key=len)
    assert slips._one_slip(short, long) is slip
    assert slips._one_slip(long, short) is slip or len(a) != len(b)


def test_dedupe__a_basic_copy_of_a_cloze_note_merges() -> None:
    cloze = _card(
        "Evolution of online CRM\n· {{c1::Seamless}}\n· {{c2::Networked}}", "", note_type=NoteType.CLOZE
    )
    basic = _card(
        "evolution of online crm", "<div>· networked</div><div>· seamless</div>", markup=Markup.HTML
    )
    (note,) = merge_duplicates((cloze, basic), CTX).cards
    assert note.note_type is NoteType.CLOZE


def test_dedupe__same_question_other_answer_is_a_conflict_and_both_stay() -> None:
    a = _card("What is CRM?", "A process", "a.txt")
    b = _card("what is CRM", "A philosophy", "b.txt")
    result = merge_duplicates((a, b), CTX)
    assert [c.front for c in result.cards] == ["What is CRM?", "what is CRM"]
    assert all("conflict" in c.flags and c.status == "conflict" for c in result.cards)
    (finding,) = result.findings
    assert finding.kind == "conflict" and finding.is_warning
    assert "a.txt:1-2" in finding.message and "b.txt:1-2" in finding.message


def test_dedupe__excluded_cards_take_no_part() -> None:
    a = _card("Meta-analytic framework", "Se billede", flags=frozenset({"excluded"}))
    b = _card("Meta-analytic framework", "A model of engagement", "b.txt")
    c = _card("Meta-analytic framework", "Se billede", "c.txt", flags=frozenset({"excluded"}))
    result = merge_duplicates((a, b, c), CTX)
    assert result.cards == (a, b, c)
    assert result.findings == ()


def test_card_key__ignores_labels_markup_and_order() -> None:
    text = card_key(_card("Q", "a. One\nb) Two"))
    cloze = card_key(_card("Q\n(a) {{c1::One}}\n- b. {{c2::Two::hint}}", "", note_type=NoteType.CLOZE))
    assert text == cloze


# --- properties -------------------------------------------------------------------------------

_BASE = [
    (
        "What is customer experience management?",
        "· cultural mindsets\n· strategic directions\n· capabilities",
    ),
    ("What is CRM?", "An ongoing process of building relationships"),
    ("What is CRM?", "A profit-maximizing portfolio"),
    ("Evolution of online CRM", "· Seamless relationships\n· Networked relationships"),
    ("Customer engagement", "Volitional investments of customers' resources in interactions"),
    ("Customer engagment", "Volitional investments of customers' resources in interactions"),
    ("Which two strategies?", "Task-based and experiential initiatives"),
]


def _variant(text: str, how: int) -> str:
    if how == 1:
        return text.upper()
    if how == 2:
        return "  ".join(text.replace("·", "-").split(" ")) + "."
    if how == 3:
        return "\n".join(reversed(text.split("\n")))
    return text


_CARDS = st.lists(
    st.tuples(st.integers(0, len(_BASE) - 1), st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=12
).map(
    lambda picks: [
        _card(_variant(_BASE[b][0], qv), _variant(_BASE[b][1], av), f"f{i}.txt", i + 1)
        for i, (b, qv, av) in enumerate(picks)
    ]
)


def _partition(cards: tuple[Card, ...]) -> set[frozenset[SourceRef]]:
    return {frozenset((c.source, *c.also_from)) for c in cards}


@settings(max_examples=120, deadline=None)
@given(cards=_CARDS, seed=st.randoms(use_true_random=False))
def test_dedupe__same_notes_whatever_the_input_order(cards: list[Card], seed: random.Random) -> None:
    shuffled = list(cards)
    seed.shuffle(shuffled)
    a = merge_duplicates(tuple(cards), CTX).cards
    b = merge_duplicates(tuple(shuffled), CTX).cards
    assert _partition(a) == _partition(b)
    # Which copy's text is kept follows the input order ("first source wins"); the grouping does not.
    assert {c.source for c in a if "conflict" in c.flags} | {
        r for c in a if "conflict" in c.flags for r in c.also_from
    } == {c.source for c in b if "conflict" in c.flags} | {
        r for c in b if "conflict" in c.flags for r in c.also_from
    }


@settings(max_examples=120, deadline=None)
@given(cards=_CARDS)
def test_dedupe__is_idempotent(cards: list[Card]) -> None:
    once = merge_duplicates(tuple(cards), CTX).cards
    twice = merge_duplicates(once, CTX)
    assert twice.cards == once
    assert not [f for f in twice.findings if f.kind == "merge"]


def test_dedupe__ten_thousand_cards_merge_their_copies() -> None:
    """Blocking keeps it far from all-pairs: 10,000 cards, a tenth of them copies, in seconds (all pairs: minutes)."""
    rng = random.Random(7)
    words = [f"w{n:04d}x" for n in range(3000)]
    cards = [
        _card(" ".join(rng.sample(words, 6)) + "?", " ".join(rng.sample(words, 12)), "big.txt", i)
        for i in range(9000)
    ]
    cards += [replace_case(c, i) for i, c in enumerate(rng.sample(cards, 1000))]
    result = merge_duplicates(tuple(cards), CTX)
    assert len(result.cards) == 9000


def replace_case(card: Card, i: int) -> Card:
    return _card(card.front.upper(), card.back.title(), "copy.txt", i)


# --- the seeds with a second copy ---------------------------------------------------------------


def _tsv_copy_of(seed: Path) -> str:
    """An Anki "Notes in Plain Text" export of the seed's cards: reordered, re-cased, HTML line breaks."""
    sources = read_sources(SOURCE)
    parsed = parse_sources(sources, default_registry())
    cards = [c for c in parsed.cards if c.source.file == seed.name]
    assert cards, "the seed gives cards"
    rows = []
    for i, card in enumerate(reversed(cards)):
        front = card.front.upper() if i % 2 else card.front.lower()
        back_lines = card.back.split("\n")
        if i % 3 == 0:
            back_lines.reverse()
        back = "<br>".join(back_lines)
        deck = "Marketing::" + card.title.removesuffix(" Flashcards").replace(":", "")
        rows.append("\t".join(f.replace("\t", " ").replace('"', "&quot;") for f in (deck, front, back)))
    return "#separator:tab\n#html:true\n#deck column:1\n" + "\n".join(rows) + "\n"


@pytest.mark.skipif("anki-text" not in default_registry().names(), reason="anki-text format not registered")
def test_dedupe__seeds_plus_a_tsv_copy_of_one_give_the_same_notes(tmp_path: Path) -> None:
    seed = SOURCE / "002_b3385c2369af280b.txt"
    files: dict[str, str | bytes] = {p.name: p.read_bytes() for p in SOURCE.iterdir() if p.is_file()}
    alone = build(write_tree(tmp_path / "alone", files), tmp_path / "o1", timestamp=1_700_000_000)
    files["zz_anki_export.txt"] = _tsv_copy_of(seed)
    both = build(write_tree(tmp_path / "both", files), tmp_path / "o2", timestamp=1_700_000_000)
    copy_report = next(f for f in both.files if f.path == "zz_anki_export.txt")
    assert copy_report.format == "anki-text" and copy_report.cards > 10
    assert len(both.cards) == len(alone.cards)
    merged_from_copy = {r.file for c in both.cards for r in c.also_from}
    assert "zz_anki_export.txt" in merged_from_copy
    assert not [c for c in both.cards if c.source.file == "zz_anki_export.txt"]


def test_dedupe__two_clozes_on_one_sentence_pattern_are_no_conflict() -> None:
    a = _card("{{c1::Price}} is {{c2::value}}", "", note_type=NoteType.CLOZE)
    b = _card("{{c1::Cost}} is {{c2::effort}}", "", "b.txt", note_type=NoteType.CLOZE)
    result = merge_duplicates((a, b), CTX)
    assert result.cards == (a, b) and result.findings == ()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (":w file", ":e file"),
        ("BEGIN", "begin"),
        ("ctrl+R", "ctrl+z"),
        ("git checkout -b (branch)", "git checkout (branch)"),
    ],
)
def test_dedupe__short_or_symbol_questions_that_differ_are_no_conflict(first: str, second: str) -> None:
    """Command cards (":w file" / ":e file") were reported as one question with two answers,
    because matching dropped single letters, symbols and case."""
    result = merge_duplicates((_card(first, "one thing", line=1), _card(second, "another", line=5)), CTX)
    assert len(result.cards) == 2
    assert not [f for f in result.findings if f.kind == "conflict"]


def test_dedupe__recased_sentence_question_with_other_answer_still_conflicts() -> None:
    cards = (_card("What is CRM?", "A process.", line=1), _card("what is crm", "A strategy.", line=5))
    result = merge_duplicates(cards, CTX)
    assert [f.kind for f in result.findings] == ["conflict"]


# --- fast paths, against the rules they shortcut --------------------------------------------------

_MIXED_TEXT = st.text(alphabet=st.sampled_from(list("aZb9_0 .-'\nß²İé①ＡKs()’+")), max_size=30)


def _rule_tokens(text: str) -> list[str]:
    """The matching words as the module docstring defines them (NFKC, casefold, "_" a space; no list
    label at a line's start, no possessive "'s", unless nothing else is left; symbols as written)."""
    text = unicodedata.normalize("NFKC", text)

    def words(text: str) -> list[str]:
        return re.findall(r"\w+", text.casefold().replace("_", " "))

    label = r"(?im)^[^\S\n]*(?:[-*+•·▪◦‣][^\S\n]*)?(?:\([^\W\d_]\)|[^\W\d_][.)])(?=\s|$)"
    spoken = words(re.sub(label, " ", re.sub(r"(?<=\w)['’][sS]\b", " ", text))) or words(text)
    return spoken or ([" ".join(text.split())] if text.strip() else [])


@settings(max_examples=200, deadline=None)
@given(_MIXED_TEXT)
@example("00\nß.")  # a label whose letter case folding lengthens ("ß" → "ss"): CI's Hypothesis found it
def test_tokens__ascii_shortcut_gives_the_rules_words(text: str) -> None:
    assert dedupe_keys.tokens(text) == _rule_tokens(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab c", max_size=40), st.text(alphabet="ab c", max_size=40))
def test_near_length__never_rules_out_a_near_pair(a: str, b: str) -> None:
    if slips._near_text(a, b):
        assert slips.near_length(len(a), len(b))


_FRONT = st.text(alphabet=st.sampled_from(list("aA b_:-1{}c.)(\n's")), max_size=14)


@settings(max_examples=200, deadline=None)
@given(_FRONT, _FRONT, st.sampled_from([NoteType.BASIC, NoteType.CLOZE]))
def test_conflict_key__equal_keys_mean_equal_question_words(a: str, b: str, note_type: NoteType) -> None:
    """The stage computes conflict keys only for cards whose question words another card shares."""
    x, y = _card(a, "x", note_type=note_type), _card(b, "y")
    if conflict_key(x) == conflict_key(y):
        assert dedupe_keys.tokens(x.front) == dedupe_keys.tokens(y.front)


def _rule_blocks(bags: list[list[str]]) -> Counter[frozenset[int]]:
    """Blocks as the docstring defines them: each bag under every pair of its BLOCK_WORDS rarest
    words (by bags holding the word, then alphabetically; longer words first), sizes 2..MAX_BLOCK."""
    df = Counter(w for bag in bags for w in set(bag))
    blocks: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for i, bag in enumerate(bags):
        words = set(bag)
        usable = [w for w in words if len(w) >= 3] or list(words)
        rarest = sorted(usable, key=lambda w: (df[w], w))[: dedupe_blocks.BLOCK_WORDS]
        names: list[tuple[str, ...]] = list(combinations(rarest, 2)) or [tuple(rarest)]
        for name in names:
            blocks[name].add(i)
    return Counter(frozenset(m) for m in blocks.values() if 2 <= len(m) <= dedupe_blocks.MAX_BLOCK)


_BAGS = st.lists(
    st.lists(
        st.sampled_from(["ab", "c", "cat", "dog", "emu", "fox", "gnu", "hen", "ibis", "x1"]), max_size=6
    ),
    max_size=25,
).map(lambda bags: list({tuple(sorted(b)): b for b in bags}.values()))


@settings(max_examples=150, deadline=None)
@given(_BAGS, st.sampled_from([3, 300]))
def test_blocks__are_the_blocks_the_rule_names(bags: list[list[str]], max_block: int) -> None:
    words = sorted({w for bag in bags for w in bag})
    numbered = [tuple(sorted(words.index(w) for w in bag)) for bag in bags]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dedupe_blocks, "MAX_BLOCK", max_block)
        got = Counter(frozenset(m) for m in dedupe_blocks.rare_pair_blocks(numbered, words))
        assert got == _rule_blocks(bags)


def test_blocks__a_word_repeated_in_a_bag_counts_once() -> None:
    """A bag that repeats one of its rarest words is still filed under its four rarest words."""
    words = ["emu", "fox", "gnu", "hen"]
    bags = [(0, 0, 1, 2, 3), (0, 1, 2, 3)]  # "emu emu fox gnu hen" and "emu fox gnu hen"
    got = Counter(frozenset(block) for block in dedupe_blocks.rare_pair_blocks(bags, words))
    assert got == Counter({frozenset({0, 1}): 6})  # every pair of the four words names both


def _rule_groups(cards: list[Card]) -> list[list[int]]:
    """Notes as the docstring defines them: equal question and answer bags, or cards whose whole
    bags share a block and whose keys are near, joined transitively; each group in input order,
    groups by their first card."""
    keys = [card_key(c) for c in cards]
    first = {(k.question, k.answer): k for k in reversed(keys)}
    bags = sorted(first)
    parent = list(range(len(bags)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for members in _rule_blocks([list(first[b].question_words + first[b].answer_words) for b in bags]):
        for i, j in combinations(sorted(members), 2):
            if slips.near(first[bags[i]], first[bags[j]]):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = defaultdict(list)
    for n, key in enumerate(keys):
        groups[root(bags.index((key.question, key.answer)))].append(n)
    return sorted(groups.values())


def _typo(text: str, at: int) -> str:
    at %= max(len(text) - 1, 1)
    return text[:at] + text[at + 1 : at + 2] + text[at : at + 1] + text[at + 2 :]


_TEXTS = [
    "What does the enzyme kinase do in cells",
    "Which receptor binds the membrane protein",
    "a. One b. Two",
    "Q",
    "Seamless, networked and omnichannel relationships",
    "{{c1::Kinase}} adds a phosphate to the {{c2::protein}}",
    "Qu'est-ce que la mitochondrie fabrique — l'énergie",
]
_TYPO_CARDS = st.lists(
    st.tuples(
        st.integers(0, len(_TEXTS) - 1), st.integers(0, len(_TEXTS) - 1), st.integers(0, 60), st.booleans()
    ),
    min_size=1,
    max_size=14,
).map(
    lambda picks: [
        _card(
            _typo(_TEXTS[q], at) if typo else _TEXTS[q],
            _TEXTS[a] if typo else _typo(_TEXTS[a], at),
            line=n,
            note_type=NoteType.CLOZE if "{{" in _TEXTS[q] else NoteType.BASIC,
        )
        for n, (q, a, at, typo) in enumerate(picks)
    ]
)


@settings(max_examples=150, deadline=None)
@given(_TYPO_CARDS)
def test_group__gives_the_notes_the_rule_defines(cards: list[Card]) -> None:
    copies, _ = dedupe._group(cards)
    assert copies == [group for group in _rule_groups(cards) if len(group) > 1]


@settings(max_examples=200, deadline=None)
@given(st.lists(_MIXED_TEXT, max_size=8))
def test_numbered__are_each_texts_tokens(texts: list[str]) -> None:
    """The words of many texts at once (ASCII ones split together) are each text's own words."""
    numbers: dict[str, int] = {}
    numbered = dedupe_keys.numbered_words(texts, lambda w: numbers.setdefault(w, len(numbers)))
    words = list(numbers)
    assert [[words[n] for n in text] for text in numbered] == [dedupe_keys.tokens(t) for t in texts]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["ab", "cat", "x1", "ibis"]), max_size=5), max_size=6))
def test_lengths__are_the_joined_words_lengths(texts: list[list[str]]) -> None:
    words = ["ab", "cat", "x1", "ibis"]
    numbered = [tuple(words.index(w) for w in text) for text in texts]
    got = dedupe_blocks.lengths(numbered, [len(w) + 1 for w in words])
    assert got == [len(" ".join(text)) for text in texts]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))
    )
)
def test_union_find__roots_are_each_sets_least_element(case: tuple[int, list[tuple[int, int]]]) -> None:
    size, unions = case
    uf = dedupe._UnionFind(size)
    for a, b in unions:
        uf.union(a, b)
    sets: list[set[int]] = [{i} for i in range(size)]
    for a, b in unions:
        joined = sets[a] | sets[b]
        for i in joined:
            sets[i] = joined
    assert uf.roots() == [min(sets[i]) for i in range(size)]


def test_dedupe__a_copy_with_every_word_on_its_front_is_still_a_copy() -> None:
    """An export that holds a card twice, once with its answer pasted onto the front and an empty
    back, kept both once question and answer were compared apart: 49 junk notes in a real deck."""
    good = _card("IAM", "Identity and Access Management: controls who can access which resource")
    pasted = _card("IAM\nIdentity and Access Management: controls who can access which resource", "", line=9)
    result = merge_duplicates((good, pasted), CTX)
    assert [c.front for c in result.cards] == ["IAM"]
    # Not the same words split otherwise, both sides filled: a card and its reverse stay two.
    reverse = _card("Identity and Access Management: controls who can access which resource", "IAM", line=12)
    assert len(merge_duplicates((good, reverse), CTX).cards) == 2
