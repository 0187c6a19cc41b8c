"""The typos stage: conservative, domain-aware corrections; names, British spelling and code kept."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build import pipeline, spelling, typos, verdicts
from genanki_build import vocabulary as vocab
from genanki_build.config import Config
from genanki_build.model import Card, Finding, Markup, SourceRef
from genanki_build.parsing import parse_sources
from genanki_build.sources import read_sources
from genanki_build.spelling import american
from genanki_build.stage import Context, StageResult
from genanki_build.typos import fix_typos

from .conftest import SOURCE

#: Background cards that give the collection a vocabulary, as a real course would: "customer" and
#: "relationship" are its everyday words, "touchpoints" its jargon.
_COURSE = (
    ("What is customer engagement?", "Customers invest resources in a relationship with a brand."),
    ("Customer experience", "The customer journey across touchpoints shapes each customer relationship."),
    ("Customer value", "Customers compare the value of offers; touchpoints matter to every customer."),
    ("Customer satisfaction", "A satisfied customer stays; customer relationships last."),
    ("Customer loyalty", "Loyal customers buy again; the customer relationship pays."),
    ("Why touchpoints?", "Each customer meets the brand at many touchpoints."),
)


def _card(front: str, back: str = "", n: int = 1, markup: Markup = Markup.TEXT) -> Card:
    return Card(front, back, SourceRef("f.txt", n, n), "test", markup=markup, identity=f"{front}\x1f{back}")


def _run(*fronts: str, config: Config | None = None, course: bool = True) -> StageResult:
    """The stage over cards with ``fronts`` (lines 1, 2, …), plus the course when asked; only the
    findings on the given fronts are kept."""
    cards = [_card(f, "", i) for i, f in enumerate(fronts, start=1)]
    if course:
        cards += [_card(q, a, 100 + i) for i, (q, a) in enumerate(_COURSE)]
    result = fix_typos(tuple(cards), Context(config=config or Config()))
    mine = tuple(f for f in result.findings if f.where and f.where.first < 100)
    return StageResult(result.cards, mine)


def _fixed(text: str, config: Config | None = None, course: bool = True) -> str:
    return _run(text, config=config, course=course).cards[0].front


def test_fix_typos__a_card_copied_into_three_sets_counts_once() -> None:
    """A typo in three copies of one card (the same card in several sets) is still a typo; a word
    three different cards use is the course's own."""
    copy = ("What does the factroy make?", "Goods for customers.")
    copies = [Card(*copy, SourceRef(f"set{k}.txt", 1, 2), "test") for k in range(3)]
    course = [_card(q, a, 100 + i) for i, (q, a) in enumerate(_COURSE)]
    fixed = fix_typos(tuple(copies + course), Context(config=Config()))
    assert [c.front for c in fixed.cards[:3]] == ["What does the factory make?"] * 3
    different = [
        _card(q, "Goods.", k)
        for k, q in enumerate(["Who runs the factroy?", "Where is the factroy?", "A factroy"])
    ]
    kept = fix_typos(tuple(different + course), Context(config=Config()))
    assert [c.front for c in kept.cards[:3]] == [c.front for c in different]


# --- corrections -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A meta-analytic framwork for this", "A meta-analytic framework for this"),  # one left out
        ("It says someting about you", "It says something about you"),
        ("Customer-percieved value is key", "Customer-perceived value is key"),  # two swapped
        ("What are the two extreems of it?", "What are the two extremes of it?"),
        ("I beleive you", "I believe you"),
        ("An implementaiton plan", "An implementation plan"),  # a swap in a long word
    ],
)
def test_fix_typos__left_out_or_swapped_letters_fixed_by_the_dictionary_alone(
    text: str, expected: str
) -> None:
    """Putting back a left-out letter or two swapped ones needs no word of the collection."""
    assert _fixed(text, course=False) == expected


@pytest.mark.parametrize(
    ("text", "expected", "elsewhere"),
    [
        ("Marketing must enchance outcomes", "Marketing must enhance outcomes", "Ads enhance recall"),
        ("What are the benifits of it?", "What are the benefits of it?", "The benefits of loyalty"),
        ("Personalized relationsship", "Personalized relationship", ""),  # the course's word
        ("Relationshop and value", "Relationship and value", ""),
        ("Who is the custmer here?", "Who is the customer here?", ""),  # a letter left out
        ("Who is the cusotmer here?", "Who is the customer here?", ""),  # two swapped
        ("Who is the cusstomer here?", "Who is the customer here?", ""),  # a letter doubled
    ],
)
def test_fix_typos__slip_fixed_into_a_word_the_collection_uses(
    text: str, expected: str, elsewhere: str
) -> None:
    """A letter typed too many or typed differently is corrected when the collection uses the meant
    word elsewhere, even once: it knows how the word is spelled."""
    assert _run(text, *[elsewhere] * bool(elsewhere)).cards[0].front == expected
    if elsewhere:
        assert _fixed(text) == text  # the course alone never uses the word


@pytest.mark.parametrize(
    ("front", "back", "word", "english"),
    [
        ("Where does printf write?", "To stdout", "stdout", "stout"),
        ("How are Rust structs declared?", "With the struct keyword", "structs", "struts"),
        ("What does an upsert do?", "Inserts a row or updates it if it exists", "upsert", "upset"),
        ("Which async runtime is most used in Rust?", "tokio", "tokio", "tokyo"),
        ("What does mmap do?", "Maps a file into memory", "mmap", "map"),
        ("Which header declares printf?", "stdio", "stdio", "studio"),
    ],
)
def test_fix_typos__code_word_one_letter_from_english_kept(
    front: str, back: str, word: str, english: str
) -> None:
    """A regression: stdout became "stout", structs "struts", upsert "upset", tokio "tokyo", mmap
    "map" and stdio "studio" ("dictionary: edit distance 1, unique candidate"): a letter taken away
    or replaced, into a word the collection never uses. Now each is only reported."""
    card = _card(front, back)
    result = fix_typos((card,), Context())
    assert (result.cards[0].front, result.cards[0].back) == (front, back)
    suspects = {f.before: f.message for f in result.findings if f.kind == "suspect"}
    assert f"maybe “{english}”" in suspects[word]
    assert not [f for f in result.findings if f.kind == "typo"]


@pytest.mark.parametrize(
    ("front", "back"),
    [
        ("What is corundum?", "aluminium oxide"),
        ("What do you sleep in?", "pyjamas"),
        ("Where do you pay by cheque?", "At the kerb, whilst the neighbourhood sleeps"),
        ("What does the French word raison mean?", "reason"),
    ],
)
def test_fix_typos__british_and_foreign_spellings_kept(front: str, back: str) -> None:
    """A regression: aluminium became "aluminum", pyjamas "pajamas" and the French raison "raisin",
    though British spellings are to be kept: the dictionary is American, and a vowel changed is how
    spellings differ between languages."""
    card = _card(front, back)
    result = fix_typos((card,), Context())
    assert (result.cards[0].front, result.cards[0].back) == (front, back)
    assert not [f for f in result.findings if f.kind == "typo"]


@pytest.mark.parametrize(
    "word", ["aluminium", "pyjamas", "jewellery", "cheque", "neighbourhood", "behavioural"]
)
def test_known_to_dictionary__british_spellings(word: str) -> None:
    assert spelling.known_to_dictionary(word)


@pytest.mark.parametrize(
    ("word", "candidate", "expected"),
    [
        ("framwork", "framework", True),  # a letter put back
        ("percieved", "perceived", True),  # two swapped ones put back
        ("stdout", "stout", False),  # a typed letter taken away
        ("tokio", "tokyo", False),  # a typed letter replaced
        ("relationsship", "relationship", False),
    ],
)
def test_restores__only_adds_or_reorders(word: str, candidate: str, expected: bool) -> None:
    assert spelling.restores(word, candidate) is expected


def test_fix_typos__case_kept() -> None:
    assert _fixed("Relationshop and value") == "Relationship and value"
    assert _fixed("THE RELATIONSHOP MATTERS") == "THE RELATIONSHIP MATTERS"


def test_fix_typos__finding_names_the_fix_and_why() -> None:
    result = _run("Marketing must enchance outcomes", "Ads enhance recall")
    (finding,) = result.findings
    assert (finding.kind, finding.before, finding.after) == ("typo", "enchance", "enhance")
    assert finding.where == SourceRef("f.txt", 1, 1)
    assert "edit distance 1, unique candidate, used 1× in this collection" in finding.message
    assert result.cards[0].findings == (finding,)


def test_fix_typos__confusable_real_word_fixed_when_collection_says_so() -> None:
    """ "costumer" is an English word; only a collection full of customers, and a card that speaks
    of customers, make it a slip."""
    assert _fixed("What is costumer engagement? A customer invests") == (
        "What is customer engagement? A customer invests"
    )
    assert _fixed("What is Costumer Journey? What a customer goes through") == (
        "What is Customer Journey? What a customer goes through"
    )
    assert _fixed("THE COSTUMER JOURNEY OF A CUSTOMER") == "THE CUSTOMER JOURNEY OF A CUSTOMER"


def test_fix_typos__confusable_kept_when_the_card_never_uses_the_meant_word() -> None:
    """A regression: "The pubic symphysis" became "The public symphysis" because the collection used
    "public" 5 times against "pubic" once: a count over the collection says what the course is
    about, not what one card is. The word is now only reported."""
    front = "Which cartilaginous joint lies between the hip bones anteriorly?"
    anatomy = _card(front, "The pubic symphysis", 1)
    others = [
        _card(q, a, n)
        for n, (q, a) in enumerate(
            [
                ("Who pays for public roads?", "The public"),
                ("What is a public good?", "Something public"),
                ("What is public health?", "The health of the public"),
                ("Who owns a public company?", "Shareholders"),
            ],
            start=2,
        )
    ]
    result = fix_typos((anatomy, *others), Context())
    assert result.cards[0].back == "The pubic symphysis"
    (finding,) = [f for f in result.findings if f.where == anatomy.source]
    assert finding.kind == "suspect" and "this card never uses it" in finding.message


def test_fix_typos__confusable_kept_without_collection_evidence() -> None:
    assert _fixed("The costumer sewed the gowns", course=False) == "The costumer sewed the gowns"


def test_fix_typos__distance_two_only_to_the_collections_words() -> None:
    assert _fixed("Cognitive effort → Cosutomers activities are required") == (
        "Cognitive effort → Customers activities are required"
    )
    assert _fixed("Cosutomers activities are required", course=False) == "Cosutomers activities are required"


def test_fix_typos__glued_linking_word_in_compound() -> None:
    assert _fixed("It drives wordof-mouth and loyalty") == "It drives word-of-mouth and loyalty"
    assert _fixed("It is stateof-the-art") == "It is state-of-the-art"


def test_fix_typos__glued_words_outside_a_compound_only_suspected() -> None:
    result = _run("It drives wordof mouth and loyalty")
    assert result.cards[0].front == "It drives wordof mouth and loyalty"
    assert [(f.kind, f.before) for f in result.findings] == [("suspect", "wordof")]


def test_fix_typos__ambiguous_word_suspected_not_fixed() -> None:
    result = _run("A network cabel")
    assert result.cards[0].front == "A network cabel"
    (finding,) = result.findings
    assert finding.kind == "suspect" and finding.before == "cabel"
    assert "several candidates" in finding.message and "cable" in finding.message


def test_fix_typos__ambiguity_settled_by_the_collection() -> None:
    """Of the dictionary's candidates (finally, finely), only one is a word this course uses."""
    assert _fixed("It is finaly over") == "It is finaly over"
    with_finally = _run("It is finaly over", "finally done", "finally paid", "finally read")
    assert with_finally.cards[0].front == "It is finally over"
    assert _fixed("You recieve a letter") == "You recieve a letter"  # receive or relieve
    with_receive = _run("You recieve a letter", "receive goods", "receive mail", "receive calls")
    assert with_receive.cards[0].front == "You receive a letter"


@pytest.mark.parametrize(
    "text",
    [
        "use printf and undef",  # a different last letter: print, under
        "run chown or vsplit",  # a different first letter: shown, split
        "press ctrol now",  # carol is no slip: t and a are far apart on the keyboard
        "in linewise mode",  # two everyday words as one, not likewise
    ],
)
def test_fix_typos__implausible_slips_not_fixed(text: str) -> None:
    assert _fixed(text) == text


def test_fix_typos__capitals_not_fixed_at_distance_two() -> None:
    """A regression: SIGINT became SIGMET, the only close word of an aviation deck in the collection."""
    result = _run("Send SIGINT now", "sigmet issued", "sigmet valid", "sigmet ends")
    assert result.cards[0].front == "Send SIGINT now"


def test_fix_typos__file_in_another_language_not_checked() -> None:
    """A regression: a Norwegian file's "balanse" became "balance" and "luft" became "left"."""
    norwegian = "Hva er den totale balansen av krefter i lungene når luften strømmer inn og ut av kroppen"
    english = "What is the total balance of forces in the lungs when air flows in and out"
    cards: tuple[Card, ...] = (_card(norwegian, norwegian, 1), _card("ballanse luft krefter", norwegian, 2))
    cards = tuple(replace(c, source=SourceRef("no.txt", i, i)) for i, c in enumerate(cards, 1))
    cards += (_card(english, "The balance is fine", 3),)
    result = fix_typos(cards, Context())
    assert [c.front for c in result.cards[:2]] == [norwegian, "ballanse luft krefter"]
    (note,) = [f for f in result.findings if f.kind == "info"]
    assert note.message.startswith("no.txt: not spell-checked")


# --- what is never touched -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "beyond purchasing a product (Harmeling et al., 2017).",
        "work closely with Walmart, Sobeys, and other large retailers",
        "e.g. bol.com and postNL delivery service",
        "Homburg, Jozi&Kuehnl (2017) on the customer",
        "a customer-centred firm",
        "how customers influence each other’s brand behaviours",
        "they must practise marketing by attraction",
        "the colour and flavour of an organisation that analysed its catalogue and travelled",
        "influencers and crowdsourcing at every touchpoint",
        "B2B and web2 markets with CEMS",
        "visit https://example.com/framwork or mail frmwork@example.com",
        "the `framwork` variable",
        "teh cat",
    ],
)
def test_fix_typos__left_alone(text: str) -> None:
    result = _run(text)
    assert result.cards[0].front == text
    assert not [f for f in result.findings if f.kind == "typo"]


def test_fix_typos__html_tags_and_code_untouched() -> None:
    card = _card('<a href="framwork.html">framwork</a> <code>framwork</code>', markup=Markup.HTML)
    (out,) = fix_typos((card,), Context()).cards
    assert out.identity == card.identity
    assert out.front == '<a href="framwork.html">framework</a> <code>framwork</code>'


def test_fix_typos__markdown_code_untouched() -> None:
    card = _card("A framwork: `framwork`\n```\nframwork\n```", markup=Markup.MARKDOWN)
    (out,) = fix_typos((card,), Context()).cards
    assert out.front == "A framework: `framwork`\n```\nframwork\n```"


def test_fix_typos__markdown_emphasis_is_not_part_of_the_word() -> None:
    card = _card("A **framwork** and _someting_ else", markup=Markup.MARKDOWN)
    (out,) = fix_typos((card,), Context()).cards
    assert out.front == "A **framework** and _something_ else"


def test_fix_typos__word_the_collection_uses_often_is_not_a_typo() -> None:
    result = _run("omnichanel relationships", "omnichanel retail", "omnichanel service")
    assert result.cards[0].front == "omnichanel relationships"
    assert not result.findings


def test_fix_typos__mostly_foreign_card_untouched() -> None:
    text = "Hvad er forskellen mellem kundeoplevelse og kundetilfredshed"
    assert _fixed(text) == text


@pytest.mark.parametrize(
    ("word", "american_spelling"),
    [
        ("centred", "centered"),
        ("behaviours", "behaviors"),
        ("organisation", "organization"),
        ("analyse", "analyze"),
        ("catalogue", "catalog"),
        ("travelled", "traveled"),
        ("defence", "defense"),
        ("programme", "program"),
        ("centre", "center"),
    ],
)
def test_american__british_spellings_mapped(word: str, american_spelling: str) -> None:
    assert american_spelling in american(word)


# --- the maintainer's word -------------------------------------------------------------------------


def test_fix_typos__deck_toml_fix_always_applied() -> None:
    config = Config(typo_fix=MappingProxyType({"teh": "the", "kundeoplevelse": "customer experience"}))
    assert _fixed("teh cat", config=config) == "the cat"
    (finding,) = _run("teh cat", config=config).findings
    assert "deck.toml" in finding.message


def test_fix_typos__deck_toml_keep_never_corrected() -> None:
    config = Config(typo_keep=frozenset({"framwork"}))
    result = _run("A meta-analytic framwork for this", config=config)
    assert result.cards[0].front == "A meta-analytic framwork for this"
    assert not result.findings


# --- identity and idempotence ----------------------------------------------------------------------


def test_fix_typos__identity_never_changes() -> None:
    result = _run("A meta-analytic framwork for this")
    assert result.cards[0].front == "A meta-analytic framework for this"
    assert result.cards[0].identity == "A meta-analytic framwork for this\x1f"


def test_fix_typos__guid_same_with_and_without_fixes() -> None:
    """Fixing a typo must not change a card's GUID, or students would lose their review history."""
    parsed = parse_sources(read_sources(SOURCE))
    context = Context(config=read_sources(SOURCE).config, build_time=1_700_000_000)
    fixed = pipeline.run(parsed.cards, context)
    unfixed = pipeline.run(parsed.cards, context, skip=("typos",))
    assert {c.source: c.guid for c in fixed.cards} == {c.source: c.guid for c in unfixed.cards}


_WORDS = st.sampled_from(
    [
        "customer", "customers", "Customer", "costumer", "Costumer", "COSTUMER", "enchance",
        "framwork", "relationsship", "Relationshop", "percieved", "benifits", "wordof-mouth",
        "centred", "behaviours", "Sobeys", "postNL", "omnichanel", "the", "value", "→", "\n", ".",
        "companes", "companies", "Cosutomers", "`framwork`", "http://x.org/benifits", "stdout",
        "sotut", "pubic", "public",
    ]
)  # fmt: skip
_CARD_TEXTS = st.lists(st.lists(_WORDS, min_size=1, max_size=12).map(" ".join), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(texts=_CARD_TEXTS)
def test_fix_typos__idempotent(texts: list[str]) -> None:
    cards = tuple(_card(t, " ".join(reversed(t.split(" "))), i) for i, t in enumerate(texts))
    once = fix_typos(cards, Context())
    twice = fix_typos(once.cards, Context())
    assert [(c.front, c.back) for c in twice.cards] == [(c.front, c.back) for c in once.cards]
    assert twice.cards == once.cards
    assert [f for f in twice.findings if f.kind != "info"] == []


# --- the seeds -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SOURCE.is_dir():
        pytest.skip("no source/ folder")
    sources = read_sources(SOURCE)
    parsed = parse_sources(sources)
    result = pipeline.run(parsed.cards, Context(config=sources.config, build_time=1_700_000_000))
    return "\n".join(f"{c.front}\n{c.back}" for c in result.cards)


@pytest.mark.parametrize(
    ("typo", "fix"),
    [
        ("costumer", "customer engagement"),
        ("Costumer", "Customer Journey"),
        ("Cosutomers", "Customers activities"),
        ("enchance", "enhance marketing"),
        ("framwork", "framework"),
        ("Relationshop", "Relationship"),
        ("relationsship", "Seamless relationship"),
        ("percieved", "perceived"),
        ("benifits", "benefits"),
        ("extreems", "extremes"),
        ("wordof-mouth", "word-of-mouth"),
    ],
)
def test_seeds__typo_fixed(seed_text: str, typo: str, fix: str) -> None:
    assert typo not in seed_text
    assert fix in seed_text


@pytest.mark.parametrize(
    "word", ["Harmeling", "postNL", "Sobeys", "centred", "behaviours", "practise", "Walmart"]
)
def test_seeds__names_and_british_spelling_kept(seed_text: str, word: str) -> None:
    assert word in seed_text


def test_seeds__raw_sources_hold_what_the_seed_tests_expect() -> None:
    """Guards the seed tests above against a seed edited under them."""
    raw = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(SOURCE).glob("0*.txt")))
    for word in ("costumer", "Cosutomers", "framwork", "wordof-mouth", "Sobeys", "centred", "postNL"):
        assert word in raw


# --- quick paths agree with the plain ones ---------------------------------------------------------


def _mutated(draw: st.DrawFn, words: list[str]) -> str:
    """A word of ``words`` with up to two random slips (a letter dropped, added, changed or swapped)."""
    word = draw(st.sampled_from(words))
    for _ in range(draw(st.integers(0, 2))):
        edits = sorted(spelling.edits1(word))
        if edits:
            word = draw(st.sampled_from(edits))
    return word


_DICTIONARY_SAMPLE = sorted(spelling.dictionary())[::97]


@st.composite
def _near_words(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return _mutated(draw, _DICTIONARY_SAMPLE)
    return draw(st.text(alphabet="abcdeilnorstu'", min_size=1, max_size=12))


@settings(max_examples=200, deadline=None)
@given(word=_near_words())
def test_neighbours__same_as_trying_every_edit(word: str) -> None:
    assert spelling.neighbours(word) == spelling.edits1(word) & spelling.word_set()


@settings(max_examples=100, deadline=None)
@given(words=st.lists(_near_words(), max_size=30), word=_near_words())
def test_drop_index__same_as_trying_every_edit(words: list[str], word: str) -> None:
    assert spelling.DropIndex(words).neighbours(word) == spelling.edits1(word) & set(words)


@settings(max_examples=200, deadline=None)
@given(word=_near_words(), other=_near_words())
def test_one_edit__same_as_edits1(word: str, other: str) -> None:
    assert spelling.one_edit(word, other) == (other in spelling.edits1(word))
    for edit in list(spelling.edits1(word))[:20]:
        assert spelling.one_edit(word, edit)


def _words_as_before(prose: str) -> list[tuple[int, str, bool]]:
    """:func:`typos._words` without its quick path for a plain word."""
    out = []
    for chunk in typos._CHUNK.finditer(prose):
        raw = chunk.group(0)
        core = raw.strip(typos._EDGE)
        if not core or typos._NOT_A_WORD.search(core):
            continue
        offset = chunk.start() + raw.index(core)
        parts = list(typos._PART.finditer(core))
        if not parts or "".join(p.group(0) for p in parts) != core.replace("-", "").replace("–", ""):
            continue
        for part in parts:
            word = typos._POSSESSIVE.sub("", part.group(0))
            if "'" not in word and "’" not in word:
                out.append((offset + part.start(), word, len(parts) > 1))
    return out


_PIECES = st.sampled_from(
    ["a", "Word", "word's", "(word),", "x-y", "e.g.", "“Quoted”", "R&D", "Café", "don't", "-", "–"]
)


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(_PIECES | st.text(max_size=6), max_size=12))
def test_words__quick_path_same_as_parsing_each_chunk(pieces: list[str]) -> None:
    prose = " ".join(pieces)
    assert list(typos._words(prose)) == _words_as_before(prose)


def _stage_as_before(cards: tuple[Card, ...], context: Context) -> StageResult:
    """The stage without its survey and quick test: every pass plans every card not yet settled."""
    config = context.config
    counts: dict[str, Counter[str]] = {}
    for card in cards:
        in_file = counts.setdefault(card.source.file, Counter())
        in_file.update(spelling.WORD.findall(vocab.prose_of(card.front, card.markup).lower()))
        in_file.update(spelling.WORD.findall(vocab.prose_of(card.back, card.markup).lower()))
    vocabulary: Counter[str] = Counter()
    notes: list[Finding] = []
    settled = [False] * len(cards)
    for file, file_counts in counts.items():
        long = {w: n for w, n in file_counts.items() if len(w) >= spelling.MIN_LENGTH}
        total = sum(long.values())
        known = sum(n for w, n in long.items() if spelling.known_to_dictionary(w))
        share = known / total if total else 1.0
        if total >= typos.LANGUAGE_SAMPLE and share < typos.MIN_ENGLISH_SHARE:
            message = (
                f"{file}: not spell-checked: only {share:.0%} of its words are English ones the "
                f"dictionary knows (at least {typos.MIN_ENGLISH_SHARE:.0%} needed)"
            )
            notes.append(Finding(typos.STAGE, "info", message, SourceRef(file, 0, 0)))
            settled = [s or c.source.file == file for s, c in zip(settled, cards, strict=True)]
        else:
            vocabulary.update(file_counts)
    # A card copied into several sets counts once: its words, every copy after the first.
    seen: set[tuple[str, ...]] = set()
    for card, foreign in zip(cards, settled, strict=True):
        words = tuple(vocab.letter_runs(card))
        if foreign:
            continue
        if words in seen:
            vocabulary.subtract(words)
        seen.add(words)
    vocabulary = +vocabulary
    current = list(cards)
    fixes: list[list[Finding]] = [[] for _ in cards]
    suspects: list[list[Finding]] = [[] for _ in cards]
    fine: set[str] = set()
    for _ in range(typos._MAX_PASSES):
        checker = verdicts.Checker(vocabulary, config.typo_fix, config.typo_keep)
        checker.ok.update(fine)
        made: list[Finding] = []
        for i, card in enumerate(current):
            if not settled[i]:
                front, back, card_fixes, suspects[i], settled[i] = typos._check_card(card, checker)
                if card_fixes:
                    made += card_fixes
                    fixes[i] += card_fixes
                    current[i] = replace(card, front=front, back=back)
        if not made:
            break
        after = typos._recount(vocabulary, made)
        if not typos._verdicts_may_change(vocabulary, after, checker):
            break
        vocabulary = after
        fine = checker.ok - set(spelling.confusables())
    out: list[Card] = []
    findings: list[Finding] = notes
    for card, card_fixes, card_suspects in zip(current, fixes, suspects, strict=True):
        new = [f for f in (*card_fixes, *card_suspects) if f not in card.findings]
        findings += new
        out.append(replace(card, findings=(*card.findings, *new)) if new else card)
    return StageResult(tuple(out), tuple(findings))


_STAGE_WORDS = st.sampled_from(
    [
        "customer", "customers", "costumer", "Costumer", "manger", "manager", "managers", "enchance",
        "framwork", "framework", "Relationshop", "relationship", "percieved", "benifits", "wordof-mouth",
        "colour", "Sobeys", "eBay", "CRM", "the", "of", "and", "value", "`framwork`", "www.benifits.org",
        "krefter", "lungene", "luften", "strømmer", "balansen", "kroppen", "finaly", "finally", "cabel",
        "Cosutomers", "omnichanel", "omnichannel", "Pateints", "patients", ".", "\n", "→", "- ",
        "stdout", "sotut", "stout", "upsert", "upset", "pubic", "public", "public",
    ]
)  # fmt: skip


_NORWEGIAN = ["krefter", "lungene", "luften", "strømmer", "balansen", "kroppen", "totale", "ballanse"]


def _stage_text(draw: st.DrawFn, norwegian: bool) -> str:
    words = []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            words.append(_mutated(draw, ["customer", "framework", "relationship", "patients", "manager"]))
        elif kind == 1 and norwegian:
            words.append(draw(st.sampled_from(_NORWEGIAN)))
        else:
            words.append(draw(_STAGE_WORDS))
    return " ".join(words)


@st.composite
def _stage_cards(draw: st.DrawFn) -> tuple[Card, ...]:
    cards = []
    for n in range(draw(st.integers(1, 12))):
        file = draw(st.sampled_from(["a.txt", "b.txt", "no.txt"]))
        front, back = (_stage_text(draw, file == "no.txt") for _ in range(2))
        markup = draw(st.sampled_from(list(Markup)))
        flags = frozenset({"incomplete"}) if draw(st.integers(0, 9)) == 0 else frozenset()
        card = replace(_card(front, back, n, markup), source=SourceRef(file, n, n), flags=flags)
        cards.append(card)
    # A course that uses "customer" and "manager" often: "costumer" and "manger" become slips.
    course = "customer customers manager " * 5
    return (*cards, replace(_card(course, course, 99), source=SourceRef("a.txt", 99, 99)))


@settings(max_examples=150, deadline=None)
@given(cards=_stage_cards(), deck_toml=st.booleans())
def test_fix_typos__same_as_planning_every_card(cards: tuple[Card, ...], deck_toml: bool) -> None:
    """The survey and the quick test only skip work: the stage's cards and findings are those of
    planning every card on every pass."""
    config = Config()
    if deck_toml:
        config = replace(
            config, typo_fix=MappingProxyType({"framwork": "framework"}), typo_keep=frozenset({"cabel"})
        )
    context = Context(config=config)
    assert fix_typos(cards, context) == _stage_as_before(cards, context)


_FIELD_PIECES = st.sampled_from(
    ["word", "Wörd", "İstanbul", "`code`", "www.x.org", "a@b.c", "http://x.y", "<b>", "](u)", "~", "\n", " "]
)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.lists(
        st.tuples(st.lists(_FIELD_PIECES | st.text(max_size=4), max_size=6), st.sampled_from(list(Markup))),
        min_size=2,
        max_size=8,
    ),
    one_markup=st.booleans(),
)
def test_file_runs__same_as_letter_runs_of_each_card(
    fields: list[tuple[list[str], Markup]], one_markup: bool
) -> None:
    """Reading a file's cards at once finds the runs of letters of each card, code and URLs left out."""
    texts = ["".join(pieces) for pieces, _ in fields]
    markups = [markup for _, markup in fields]
    cards = [
        _card(front, back, n, markups[0] if one_markup else markup)
        for n, (front, back, markup) in enumerate(zip(texts, texts[1:], markups, strict=False))
    ]
    assert vocab._file_runs(cards) == [vocab.letter_runs(card) for card in cards]


# --- per-file summaries ----------------------------------------------------------------------------


def test_fix_typos__file_summaries_give_what_reading_the_cards_gives() -> None:
    """A build hands the stage each file's survey, worked out as the file was parsed (and kept in the
    parse cache); the stage must fix and report exactly as when it reads the cards itself. A summary
    taken from other cards than the file now has (a stale one) is not used."""
    sources = read_sources(SOURCE)
    context = Context(config=sources.config)
    cards = pipeline.run(
        parse_sources(sources).cards, context, stages=[(n, pipeline.stage(n)) for n in pipeline.head()]
    ).cards
    by_file: dict[str, list[Card]] = {}
    for card in cards:
        by_file.setdefault(card.source.file, []).append(card)
    summaries: dict[str, object] = {f: vocab.summarize_file(tuple(group)) for f, group in by_file.items()}
    stale = next(f for f, group in by_file.items() if len(group) > 1)
    summaries[stale] = vocab.summarize_file(tuple(by_file[stale][1:]))
    plain = fix_typos(cards, context)
    assert any(f.kind == "typo" for f in plain.findings)
    given_summaries = replace(context, summaries=MappingProxyType(summaries))
    assert fix_typos(cards, given_summaries) == plain


def test_pipeline_run__only_the_first_stage_sees_the_summaries() -> None:
    seen: list[int] = []

    def record(cards: tuple[Card, ...], context: Context) -> StageResult:
        seen.append(len(context.summaries))
        return StageResult(cards)

    context = Context(summaries=MappingProxyType({"a.txt": object()}))
    pipeline.run([], context, stages=[("first", record), ("second", record)])
    assert seen == [1, 0]
