import datetime as dt
import json
import random
from pathlib import Path

import pytest
from rasa_sdk.events import SlotSet

from actions.values import (
    CANONICAL_VALUES,
    ActionReflectValue,
    ValueDetector,
    ValueMention,
    invite_values_question,
    recall_prompt,
    reflect_value,
    value_to_recall,
)
from tests.conftest import make_tracker

LABELLED = Path(__file__).resolve().parent.parent / "data" / "values_labelled.jsonl"


@pytest.fixture(scope="module")
def detector() -> ValueDetector:
    return ValueDetector()


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("being there for my kids is what I care about", ["parenting"]),
        ("my kidz are my world", ["parenting"]),
        ("staying clean no matter what", ["sobriety"]),
        ("six months sober next week", ["sobriety"]),
        ("i want to get my GED", ["education"]),
        ("my faith gets me through", ["faith"]),
        ("having my own place one day", ["home"]),
        ("I just want to stand on my own two feet", ["independence"]),
        ("feeling safe matters most", ["safety"]),
        ("helping other addicts get clean", ["helping_others", "sobriety"]),
        ("mis hijos son todo para mí", ["parenting"]),
        ("quiero mantenerme limpio por mi familia", ["sobriety", "family"]),
        ("mi fe en Dios", ["faith"]),
    ],
)
def test_values_are_recognised(detector: ValueDetector, text: str, values: list[str]) -> None:
    assert [m.value for m in detector.detect(text)] == values


@pytest.mark.parametrize(
    "text",
    ["I'm tired", "my kid has a cold", "I hate my job", "ok", "hace frío", "the bus was late"],
)
def test_messages_without_a_value_give_none(detector: ValueDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_the_clients_words_are_kept(detector: ValueDetector) -> None:
    [mention] = detector.detect("Being there for my kids matters more than anything")
    assert mention.words == "being there for my kids"
    assert mention.language == "en"


def test_every_lexicon_value_is_canonical(detector: ValueDetector) -> None:
    assert len(CANONICAL_VALUES) == 18


def test_labelled_set_precision_and_recall(detector: ValueDetector) -> None:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    tp = fp = fn = 0
    for row in rows:
        got = {m.value for m in detector.detect(row["text"])}
        expected = set(row["values"])
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.85


@pytest.mark.parametrize("seed", range(12))
def test_reflections_turn_the_words_to_the_clients_perspective(seed: int) -> None:
    reflection = reflect_value(
        ValueMention("parenting", "being there for my kids"), rng=random.Random(seed)
    )
    assert "your kids" in reflection
    assert " my " not in f" {reflection} "
    assert reflection[0].isupper() and reflection[-1] in ".?"
    for lecture in ("should", "need to", "have to", "must"):
        assert lecture not in reflection.lower()


@pytest.mark.parametrize("seed", range(12))
def test_agreement_follows_the_words(seed: int) -> None:
    rng = random.Random(seed)
    plural = reflect_value(ValueMention("parenting", "my kids"), rng=rng)
    singular = reflect_value(ValueMention("sobriety", "staying clean"), rng=random.Random(seed))
    assert "your kids matters" not in plural and "your kids is" not in plural
    assert "staying clean matter " not in singular and "staying clean are" not in singular


def test_spanish_values_get_spanish_reflections() -> None:
    for seed in range(6):
        reflection = reflect_value(ValueMention("parenting", "mis hijos", "es"),
                                   rng=random.Random(seed))
        assert "tus hijos" in reflection.lower()
        assert "son" in reflection or "importan" in reflection or "dan" in reflection \
            or "significan" in reflection


def test_reflection_can_link_the_value_to_what_the_client_faces() -> None:
    reflection = reflect_value(
        ValueMention("parenting", "my kids"), rng=random.Random(0),
        context="your landlord wants you out",
    )
    assert reflection.startswith("Your landlord wants you out, and")
    assert "your kids" in reflection


def test_recall_is_an_open_invitation_in_their_words() -> None:
    prompt = recall_prompt("sobriety", "staying sober", rng=random.Random(1))
    assert "staying sober" in prompt and prompt.endswith("?")
    assert "should" not in prompt
    assert "tu" in recall_prompt("parenting", "mis hijos", "es", rng=random.Random(0)).lower()


def test_invite_question_is_open() -> None:
    assert invite_values_question(rng=random.Random(0)).endswith("?")
    assert invite_values_question("es", rng=random.Random(0)).startswith("¿")


def test_values_recalled_lately_are_skipped() -> None:
    now = dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc)
    recent = (now - dt.timedelta(days=3)).isoformat()
    old = (now - dt.timedelta(days=30)).isoformat()
    values = [
        {"value": "sobriety", "words": "staying clean", "last_recalled_at": recent},
        {"value": "parenting", "words": "my kids", "last_recalled_at": old},
    ]
    assert value_to_recall(values, now)["value"] == "parenting"
    assert value_to_recall(values[:1], now) is None


def test_action_reflects_the_value_and_notes_it(dispatcher, domain) -> None:
    tracker = make_tracker("my kids are everything to me", "share_value")
    events = ActionReflectValue(rng=random.Random(0)).run(dispatcher, tracker, domain)
    assert "your kids" in dispatcher.messages[0]["text"]
    assert events == [SlotSet("checkin_notes", ["value::your kids"])]


def test_action_without_a_known_value_reflects_the_words(dispatcher, domain) -> None:
    tracker = make_tracker("my garden is my happy place", "share_value")
    assert ActionReflectValue().run(dispatcher, tracker, domain) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_reflect_event", "utter_invite_more"]
