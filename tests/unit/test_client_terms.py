"""Reading consent answers, names and language requests from what a client types."""

import pytest

from bot.consent import GIVEN, REFUSED, read_answer, withdraws
from bot.language import detect, reply_language, requested_language
from bot.terms import SKIP, NameAnswer, read_call_me, read_name_answer


@pytest.mark.parametrize(
    ("text", "undecided", "answer"),
    [
        ("I agree", True, GIVEN), ("yes", True, GIVEN), ("Sí", True, GIVEN), ("si", True, GIVEN),
        ("Acepto", True, GIVEN), ("ok", True, GIVEN), ("I agree now", False, GIVEN),
        ("ok, I agree", False, GIVEN), ("yes", False, None), ("No thanks", True, REFUSED),
        ("no", True, REFUSED), ("No, gracias", True, REFUSED), ("I don't agree", True, REFUSED),
        ("I had a long day", True, None), ("no, my landlord called", True, None),
    ],
)
def test_consent_answers(text: str, undecided: bool, answer: str | None) -> None:
    assert read_answer(text, undecided=undecided) == answer


def test_withdrawal_is_explicit() -> None:
    assert withdraws("I don't agree anymore") and withdraws("ya no acepto")
    assert not withdraws("I don't agree with my landlord")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Rosa", NameAnswer("Rosa")), ("rosa", NameAnswer("Rosa")),
        ("call me Mo", NameAnswer("Mo")), ("I'm Sam (they/them)", NameAnswer("Sam", "they/them")),
        ("Maria, she/her", NameAnswer("Maria", "she/her")), ("me llamo José Luis", NameAnswer("José Luis")),
        ("she/her", NameAnswer(None, "she/her")), ("skip", SKIP), ("prefer not to say", SKIP),
        ("Omitir", SKIP), ("I'm tired", None), ("went to work", None),
        ("I had a really rough day today", None), ("hola", None),
    ],
)
def test_name_answers(text: str, answer: object) -> None:
    assert read_name_answer(text) == answer


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("call me Sam", "Sam"), ("please call me Alex instead", "Alex"), ("llámame Rosi", "Rosi"),
        ("my name is Dee", "Dee"), ("call me back please", None), ("call me later", None),
        ("call me", None), ("can you call me when you can", None),
    ],
)
def test_call_me_later(text: str, name: str | None) -> None:
    assert read_call_me(text) == name


def test_language_requests_and_detection() -> None:
    assert [requested_language(t) for t in ["Español", "en español por favor", "English", "inglés"]] == [
        "es", "es", "en", "en"
    ]
    assert requested_language("I speak English at home") is None
    assert detect("Me siento muy cansada esta semana") == "es"
    assert detect("I had a long day at work") == "en"
    assert detect("ok") is None and detect("I went to the meeting con mi hija") is None


def test_a_chosen_language_holds_and_a_detected_one_follows_the_client() -> None:
    assert reply_language("I had a long day", "es", chosen=True) == "es"
    assert reply_language("I had a long day", "es", chosen=False) == "en"
    assert reply_language("ok", "es", chosen=False) == "es"
    assert reply_language("English please", "es", chosen=True) == "en"
