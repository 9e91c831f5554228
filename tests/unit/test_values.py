import datetime as dt
import random
import re
from pathlib import Path

import pytest
import yaml
from rasa_sdk.events import SlotSet

from actions.values import (
    CANONICAL_VALUES,
    LEXICON_PATH,
    REFLECTIONS_PATH,
    ActionReflectValue,
    ValueDetector,
    ValueMention,
    invite_values_question,
    recall_prompt,
    reflect_value,
    value_to_recall,
)
from scripts.eval_values import DEFAULT_DATA, evaluate, load
from tests.conftest import make_tracker

LECTURING = ("should", "need to", "have to", "must", "ought")


@pytest.fixture(scope="module")
def detector() -> ValueDetector:
    return ValueDetector()


def values_in(detector: ValueDetector, text: str) -> list[str]:
    return [m.value for m in detector.detect(text)]


# --- Recognising ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("being there for my kids is what I care about", ["parenting"]),
        ("my kids are my world", ["parenting"]),
        ("my kidz are my everything", ["parenting"]),
        ("I just want to be a good dad", ["parenting"]),
        ("my family means everything", ["family"]),
        ("my famly is all I got and I love them", ["family"]),
        ("making my mom proud", ["family"]),
        ("staying clean no matter what", ["sobriety"]),
        ("I want to stay clean", ["sobriety"]),
        ("my sobriety comes first", ["sobriety"]),
        ("sobreity is everything", ["sobriety"]),
        ("90 days sober today!", ["sobriety"]),
        ("i want to get my GED", ["education"]),
        ("going back to school in the fall", ["education"]),
        ("I'm trying to keep my job", ["work"]),
        ("my faith gets me through", ["faith"]),
        ("God got me through last night", ["faith"]),
        ("church keeps me grounded", ["faith"]),
        ("having my own place one day", ["home"]),
        ("a roof over my head", ["home"]),
        ("I just want to stand on my own two feet", ["independence"]),
        ("not depending on anybody", ["independence"]),
        ("feeling safe matters most", ["safety"]),
        ("my friends have always had my back", ["friendship"]),
        ("giving back feels good", ["helping_others"]),
        ("helping other addicts get clean", ["helping_others", "sobriety"]),
        ("being honest with myself", ["honesty"]),
        ("respect is big for me", ["respect"]),
        ("my health matters now", ["health"]),
        ("getting healthy", ["health"]),
        ("freedom", ["freedom"]),
        ("staying out of jail", ["freedom"]),
        ("music keeps me sane", ["creativity"]),
        ("becoming a better person", ["growth"]),
        ("I love learning new things", ["education"]),
        ("my community means a lot", ["community"]),
    ],
)
def test_english_values_are_recognised(detector: ValueDetector, text: str, values: list[str]) -> None:
    assert values_in(detector, text) == values


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("mis hijos son todo para mí", ["parenting"]),
        ("mi familia es lo más importante", ["family"]),
        ("quiero mantenerme limpio", ["sobriety"]),
        ("quiero estar sobria", ["sobriety"]),
        ("quiero estar sovrio", ["sobriety"]),
        ("mi fe en Dios", ["faith"]),
        ("Dios es lo primero", ["faith"]),
        ("quiero tener mi propia casa", ["home"]),
        ("mi trabajo es muy importante para mí", ["work"]),
        ("quiero estudiar", ["education"]),
        ("ser un buen padre", ["parenting"]),
        ("ser una buena madre es lo que más me importa", ["parenting"]),
        ("mi salud es lo primero", ["health"]),
        ("me gusta ayudar a otros", ["helping_others"]),
        ("mis ijos son mi vida", ["parenting"]),
    ],
)
def test_spanish_values_are_recognised(detector: ValueDetector, text: str, values: list[str]) -> None:
    assert values_in(detector, text) == values


@pytest.mark.parametrize(
    "text",
    [
        "I'm tired", "ok", "the bus was late", "my kid has a cold", "work was boring",
        "I hate my job", "oh my god this weather", "thank god that's over", "to be honest idk",
        "I'm free after 3", "honestly idk", "I relapsed last night", "my son's school wants a meeting",
        "hace frío", "ay Dios mío", "odio mi trabajo", "mi hijo tiene gripa", "", "   ",
    ],
)
def test_messages_without_a_value_give_none(detector: ValueDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_one_message_can_name_several_values_in_order(detector: ValueDetector) -> None:
    assert values_in(detector, "staying clean for my kids") == ["sobriety", "parenting"]
    assert values_in(detector, "My wife and kids are everything to me") == ["family", "parenting"]
    assert values_in(detector, "mi familia y mi fe, eso me mantiene de pie") == ["family", "faith"]


def test_each_value_is_named_once(detector: ValueDetector) -> None:
    mentions = detector.detect("my kids are my world. I do all of it for my kids")
    assert [(m.value, m.words) for m in mentions] == [("parenting", "my kids")]


def test_the_clients_words_are_kept_as_written(detector: ValueDetector) -> None:
    [mention] = detector.detect("Being there for my kids matters more than anything")
    assert mention == ValueMention("parenting", "Being there for my kids", "en")
    [mention] = detector.detect("I don't want to rely on my ex anymore")
    assert mention.words == "don't want to rely on my ex"


def test_misspelt_key_words_are_kept_corrected(detector: ValueDetector) -> None:
    [mention] = detector.detect("my famly means the world")
    assert mention.words == "my family"


def test_spanish_mentions_are_spanish(detector: ValueDetector) -> None:
    [mention] = detector.detect("Mis hijos son todo para mí")
    assert mention == ValueMention("parenting", "Mis hijos", "es")


def test_a_word_both_languages_share_takes_the_messages_language(detector: ValueDetector) -> None:
    assert [m.language for m in detector.detect("AA es mi comunidad ahora")] == ["es", "es"]
    assert [m.language for m in detector.detect("AA is my community now")] == ["en", "en"]


def test_every_canonical_value_has_patterns() -> None:
    lexicon = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    assert set(lexicon["values"]) == set(CANONICAL_VALUES)
    assert len(CANONICAL_VALUES) == 18


def test_a_lexicon_naming_another_value_is_refused(tmp_path: Path) -> None:
    lexicon = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    lexicon["values"]["hobbies"] = {"en": {"strong": ["fishing"]}}
    path = tmp_path / "lexicon.yml"
    path.write_text(yaml.safe_dump(lexicon), encoding="utf-8")
    with pytest.raises(ValueError, match="hobbies"):
        ValueDetector(path)


def test_labelled_set_precision_and_recall(detector: ValueDetector) -> None:
    report = evaluate(detector, load(DEFAULT_DATA))
    assert report["messages"] >= 180
    assert report["all"]["precision"] >= 0.85, report["errors"]
    assert report["all"]["recall"] >= 0.8, report["errors"]
    assert report["no_value_false_positive_rate"] <= 0.1


# --- Reflecting ---------------------------------------------------------------------------------


def assert_reads_well(text: str) -> None:
    assert text[:1].isupper() or text[:1].isdigit() or text.startswith("¿"), text
    assert text[-1] in ".?!", text
    assert "  " not in text, text
    lowered = f" {text.lower()} "
    # The companion may say "I" and "me"; the client's "my", "mis", "mí" are turned to theirs.
    for bad in (" you am ", " your's", " my ", " mis ", " mí ", "{", "}"):
        assert bad not in lowered, (bad, text)
    for lecture in LECTURING:
        assert not re.search(rf"\b{lecture}\b", text.lower()), text


ENGLISH_MENTIONS = [
    (ValueMention("parenting", "being there for my kids"), "being there for your kids"),
    (ValueMention("parenting", "my kids"), "your kids"),
    (ValueMention("sobriety", "stay clean"), "staying clean"),
    (ValueMention("sobriety", "90 days sober"), "being 90 days sober"),
    (ValueMention("independence", "don't want to depend on anybody"), "not depending on anybody"),
    (ValueMention("honesty", "being honest with myself"), "being honest with yourself"),
    (ValueMention("faith", "god"), "God"),
    (ValueMention("creativity", "I paint"), "painting"),
    (ValueMention("freedom", "NOT going back to prison"), "not going back to prison"),
    (ValueMention("growth", "I'm not the same person I was"), "not being the same person you were"),
]


@pytest.mark.parametrize(("mention", "theirs"), ENGLISH_MENTIONS)
@pytest.mark.parametrize("seed", range(6))
def test_reflections_use_their_words_from_their_side(
    mention: ValueMention, theirs: str, seed: int
) -> None:
    reflection = reflect_value(mention, rng=random.Random(seed))
    assert theirs.lower() in reflection.lower(), reflection
    assert_reads_well(reflection)


@pytest.mark.parametrize("seed", range(20))
def test_agreement_follows_the_words(seed: int) -> None:
    plural = reflect_value(ValueMention("parenting", "my kids"), rng=random.Random(seed))
    singular = reflect_value(ValueMention("sobriety", "staying clean"), rng=random.Random(seed))
    assert not re.search(r"your kids (is|matters|means)\b", plural), plural
    assert not re.search(r"staying clean (are|matter|mean)\b", singular), singular


def test_there_are_many_forms() -> None:
    wording = yaml.safe_load(REFLECTIONS_PATH.read_text(encoding="utf-8"))
    assert len(wording["en"]["reflect"]) >= 8
    assert len(wording["es"]["reflect"]) >= 5
    english = {reflect_value(ValueMention("home", "my own place"), rng=random.Random(s)) for s in range(60)}
    assert len(english) >= 8


def test_every_template_fills_for_every_value() -> None:
    wording = yaml.safe_load(REFLECTIONS_PATH.read_text(encoding="utf-8"))
    for language in ("en", "es"):
        for value in CANONICAL_VALUES:
            for seed in range(12):
                mention = ValueMention(value, "", language)
                assert_reads_well(reflect_value(mention, rng=random.Random(seed)))
                assert_reads_well(reflect_value(mention, rng=random.Random(seed), context="x"))
                assert_reads_well(recall_prompt(value, "", language, rng=random.Random(seed)))
        assert all("{" not in q for q in wording[language]["invite"])


@pytest.mark.parametrize(
    ("words", "theirs"),
    [
        ("mis hijos", "tus hijos"),
        ("mantenerme limpio", "mantenerte limpio"),
        ("ser honesto conmigo mismo", "ser honesto contigo mismo"),
        ("rezo", "rezar"),
        ("no quiero volver a la cárcel", "no volver a la cárcel"),
        ("trabajo", "el trabajo"),
    ],
)
@pytest.mark.parametrize("seed", range(6))
def test_spanish_reflections_speak_to_them_as_tu(words: str, theirs: str, seed: int) -> None:
    reflection = reflect_value(ValueMention("family", words, "es"), rng=random.Random(seed))
    assert theirs in reflection.lower(), reflection
    assert not re.search(r"\b(usted|su|sus)\b", reflection.lower()), reflection
    assert_reads_well(reflection)


@pytest.mark.parametrize("seed", range(12))
def test_spanish_agreement_follows_the_words(seed: int) -> None:
    plural = reflect_value(ValueMention("parenting", "mis hijos", "es"), rng=random.Random(seed))
    assert not re.search(r"tus hijos (es|importa|significa)\b", plural), plural
    assert not re.search(r"importa tus hijos", plural), plural


def test_a_reflection_can_hold_the_value_beside_what_they_face() -> None:
    for seed in range(6):
        reflection = reflect_value(
            ValueMention("parenting", "my kids"),
            rng=random.Random(seed),
            context="You lost your job and you're scared.",
        )
        assert "you lost your job and you're scared" in reflection
        assert "your kids" in reflection
        assert_reads_well(reflection)
        spanish = reflect_value(
            ValueMention("sobriety", "mantenerme limpio", "es"),
            rng=random.Random(seed),
            context="perdiste tu trabajo",
        )
        assert "perdiste tu trabajo" in spanish and "mantenerte limpio" in spanish


def test_detected_mentions_reflect_cleanly(detector: ValueDetector) -> None:
    for row in load(DEFAULT_DATA):
        for mention in detector.detect(row["text"]):
            assert_reads_well(reflect_value(mention, rng=random.Random(0)))


# --- Recall and invitation --------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_recall_is_an_open_invitation_in_their_words(seed: int) -> None:
    prompt = recall_prompt("sobriety", "staying sober", rng=random.Random(seed))
    assert "staying sober" in prompt and prompt.endswith("?")
    assert_reads_well(prompt)
    spanish = recall_prompt("parenting", "mis hijos", "es", rng=random.Random(seed))
    assert "tus hijos" in spanish and spanish.endswith("?")
    assert_reads_well(spanish)


def test_recall_varies() -> None:
    prompts = {recall_prompt("home", "my own place", rng=random.Random(s)) for s in range(40)}
    assert len(prompts) >= 4


def test_invite_questions_are_open_and_varied() -> None:
    english = {invite_values_question(rng=random.Random(s)) for s in range(40)}
    spanish = {invite_values_question("es", rng=random.Random(s)) for s in range(40)}
    assert len(english) >= 4 and len(spanish) >= 4
    assert all(q.endswith("?") for q in english | spanish)
    assert all(q.split()[0].lower() in {"what", "who", "when", "how", "what's"} for q in english)


def test_unknown_languages_fall_back_to_english() -> None:
    assert invite_values_question("fr", rng=random.Random(0)).endswith("?")
    assert "your kids" in recall_prompt("parenting", "my kids", "en-US", rng=random.Random(0))


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


# --- The Rasa action --------------------------------------------------------------------------


def test_action_reflects_the_value_and_notes_it(dispatcher, domain) -> None:
    tracker = make_tracker("my kids are everything to me", "share_value")
    events = ActionReflectValue(rng=random.Random(0)).run(dispatcher, tracker, domain)
    assert "your kids" in dispatcher.messages[0]["text"].lower()
    assert events == [SlotSet("checkin_notes", ["value::your kids"])]


class _Draw(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_action_without_a_known_value_reflects_the_words(dispatcher, domain) -> None:
    tracker = make_tracker("my garden is my happy place", "share_value")
    assert ActionReflectValue(rng=_Draw(0.0)).run(dispatcher, tracker, domain) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_reflect_event", "utter_invite_more"]
    # Like any reflection, it is followed by a question only sometimes.
    quiet = type(dispatcher)()
    ActionReflectValue(rng=_Draw(0.99)).run(quiet, tracker, domain)
    assert [m["response"] for m in quiet.messages] == ["utter_reflect_event"]
