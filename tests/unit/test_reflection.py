import pytest

from actions.reflection import (
    clause_for_reflection,
    flip_perspective,
    reflective_words,
    two_sides,
)


@pytest.mark.parametrize(
    ("said", "reflected"),
    [
        ("I lost my job", "you lost your job"),
        ("My kids are everything to me", "Your kids are everything to you"),
        ("I'm scared and I was alone", "you're scared and you were alone"),
        ("We did it ourselves", "You did it yourselves"),
        ("Im tired", "you're tired"),
        ("I am trying", "you are trying"),
        ("people tell you to get over it", "people tell you to get over it"),
        ("my court date was at 8 am", "your court date was at 8 am"),
        ("Am I overreacting", "Are you overreacting"),
        ("I AM so done", "you are so done"),
    ],
)
def test_flip_perspective_turns_first_person_to_second(said: str, reflected: str) -> None:
    assert flip_perspective(said) == reflected


def test_clause_keeps_first_sentence_and_drops_end_punctuation() -> None:
    assert clause_for_reflection("I got the apartment! Finally.") == "you got the apartment"


def test_long_messages_are_cut_at_a_clause_boundary() -> None:
    text = (
        "I went to the housing office this morning and waited three hours, "
        "and then they told me my application was missing a form again"
    )
    clause = clause_for_reflection(text, max_words=18)
    assert len(clause.split()) <= 18
    assert clause.startswith("you went to the housing office")


@pytest.mark.parametrize(
    ("said", "feeling", "words"),
    [
        ("lost my job", False, "you lost your job"),
        ("went to my meeting tonight", False, "you went to your meeting tonight"),
        ("My mom yelled at me again", False, "your mom yelled at you again"),
        ("so anxious today", True, "you're feeling anxious today"),
        ("sad", True, "you're feeling sad"),
        ("im so tired of everything lol", True, "you're so tired of everything"),
    ],
)
def test_reflective_words_make_a_clause_that_follows_it_sounds_like(
    said: str, feeling: bool, words: str
) -> None:
    assert reflective_words(said, feeling=feeling) == words


@pytest.mark.parametrize("said", ["ugh", "hola", "...", ""])
def test_reflective_words_refuse_what_cannot_be_reflected(said: str) -> None:
    assert reflective_words(said, feeling=True) is None


def test_leading_conjunctions_do_not_hide_the_clients_words() -> None:
    assert reflective_words("but I went to my NA meeting on Tuesday") == (
        "you went to your NA meeting on Tuesday"
    )


@pytest.mark.parametrize(
    ("said", "feeling", "words"),
    [
        ("Hey. Long week, I lost my job", False, "you lost your job"),
        ("Lately I've been so tired", True, "lately you've been so tired"),
        ("Not great. My car broke down", True, "your car broke down"),
        ("Good morning! I made it to group", True, "you made it to group"),
        ("been anxious all week", True, "you've been anxious all week"),
        ("just going through the motions", True, "you're just going through the motions"),
        ("Not great.", True, "you're feeling not great"),
    ],
)
def test_reflective_words_find_the_clause_worth_reflecting(
    said: str, feeling: bool, words: str
) -> None:
    assert reflective_words(said, feeling=feeling) == words


def test_questions_are_not_reflected_as_statements() -> None:
    assert reflective_words("What should I do about my ex?") is None


@pytest.mark.parametrize(
    ("said", "sides"),
    [
        ("I love my kids but some days I'm so overwhelmed",
         ("you love your kids", "some days you're so overwhelmed")),
        ("I think I'm doing better, but I'm afraid it won't last",
         ("you think you're doing better", "you're afraid it won't last")),
        ("I lost my job and I'm scared", None),
        ("Not much but okay", None),
    ],
)
def test_two_sides_of_a_but(said: str, sides: tuple[str, str] | None) -> None:
    assert two_sides(said) == sides


@pytest.mark.parametrize(
    ("said", "words"),
    [
        ("So basically my husband and I argue nonstop", "your husband and you argue nonstop"),
        ("Ever since the accident I can't drive", "ever since the accident you can't drive"),
        ("It's my son. He's been skipping school", "he's been skipping school"),
        ("Hi, um, I guess I'm just really stressed.", "you're just really stressed"),
        ("Work. Kids. Bills. I'm drowning.", "you're drowning"),
        ("Been a rough couple of days honestly", "it's been a rough couple of days"),
        ("I'm lonely. I moved here for a fresh start.", "you're lonely"),
    ],
)
def test_long_and_loose_openers_still_find_their_clause(said: str, words: str) -> None:
    assert reflective_words(said, feeling=True) == words


@pytest.mark.parametrize(
    ("said", "words"),
    [
        ("Struggling to pay rent this month.", "you're struggling to pay rent this month"),
        ("Since the divorce things have been hard.", "since the divorce things have been hard"),
        ("Is it normal to feel this tired all the time?",
         "you're wondering whether it's normal to feel this tired all the time"),
        ("Does anyone else feel like they can't catch a break?",
         "you're wondering whether anyone else feels like they can't catch a break"),
        ("Why does everything always go wrong for me?",
         "you're wondering why everything always goes wrong for you"),
        ("Am I overreacting about my roommate?",
         "you're wondering whether you're overreacting about your roommate"),
        ("Nothing much. Why do I always push people away?",
         "you're wondering why you always push people away"),
    ],
)
def test_gerunds_lead_ins_and_self_questions_are_reflected(said: str, words: str) -> None:
    assert reflective_words(said) == words
