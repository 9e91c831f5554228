import pytest

from actions.reflection import clause_for_reflection, flip_perspective, reflective_words


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
