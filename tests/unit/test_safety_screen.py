import statistics
import time

import pytest

from bot.safety.screen import LEVELS, SafetyScreen, max_level, normalise, safety_reply


@pytest.fixture(scope="module")
def screen() -> SafetyScreen:
    return SafetyScreen()


@pytest.mark.parametrize(
    ("text", "level", "cue"),
    [
        ("I want to kill myself", "urgent", "suicidal_ideation"),
        ("honestly everyone would be better off without me", "urgent", "suicidal_ideation"),
        ("kms", "urgent", "suicidal_ideation"),
        ("thinking about unaliving myself", "urgent", "suicidal_ideation"),
        ("i dont want to wake up anymore", "urgent", "suicidal_ideation"),
        ("I'm so sucidal rn", "emergency", "suicidal_ideation"),
        ("wanna diiiie", "urgent", "suicidal_ideation"),
        ("me quiero morir", "urgent", "suicidal_ideation"),
        ("ya no quiero vivir", "urgent", "suicidal_ideation"),
        ("I've been saving up my pills", "urgent", "plan_means"),
        ("I have the pills counted out for tonight", "emergency", "plan_means"),
        ("i want to end my life tonight", "emergency", "suicidal_ideation"),
        ("got a rope and I want to die", "emergency", "plan_means"),
        ("I just took all my pills", "emergency", "act_in_progress"),
        ("im on the bridge right now", "emergency", "act_in_progress"),
        ("I've been cutting again", "urgent", "self_harm"),
        ("the urge to cut is so strong", "urgent", "self_harm"),
        ("me corto cuando estoy sola", "urgent", "self_harm"),
        ("gonna be using alone tonight", "urgent", "overdose"),
        ("i think i took too much", "emergency", "overdose_now"),
        ("my friend is not breathing", "urgent", "overdose"),
        ("he hit me again last night", "urgent", "violence_against_client"),
        ("I don't feel safe at home", "urgent", "violence_against_client"),
        ("my boyfriend is hitting me right now", "emergency", "violence_against_client"),
        ("mi esposo me pega", "urgent", "violence_against_client"),
        ("I'm going to kill him", "urgent", "harm_to_others"),
        ("I'm scared I'll hurt my baby", "urgent", "harm_to_others"),
        ("the voices keep telling me to hurt people", "urgent", "command_hallucination"),
        ("they took my passport and say I owe them", "urgent", "trafficking"),
        ("he's forcing me to have sex with his friends for money", "urgent", "trafficking"),
        ("🔪 and 💊 tonight, I'm done, I want to die", "emergency", "suicidal_ideation"),
        ("whats the point of anything", "concern", "hopelessness"),
        ("I'm so tired of everything", "concern", "hopelessness"),
        ("ya no puedo más", "concern", "hopelessness"),
    ],
)
def test_cues_are_caught_at_their_level(screen: SafetyScreen, text: str, level: str, cue: str) -> None:
    assessment = screen.assess(text)
    assert assessment.level == level, assessment
    assert cue in assessment.cues


@pytest.mark.parametrize(
    "text",
    [
        "this paperwork is killing me",
        "my feet are killing me after that shift",
        "I'm dying to see my kids this weekend",
        "I could kill for a coffee right now",
        "lol that joke killed me",
        "I'm dead 😂",
        "my phone is dying",
        "I'm not suicidal, just really tired",
        "I would never hurt myself",
        "I don't want to die, I want things to get better",
        "no quiero morir, solo estoy cansada",
        "the movie was about a man who wanted to kill himself",
        "that song about wanting to die is so sad",
        "I feel sad and lonely today",
        "I relapsed last weekend and I'm ashamed",
        "that's odd",
        "my mom is gonna kill me if I'm late lol",
        "that would be career suicide",
        "I'd rather die than go to that party",
        "me muero de ganas de verte",
    ],
)
def test_idioms_negations_and_stories_do_not_alert(screen: SafetyScreen, text: str) -> None:
    assert screen.assess(text).level == "none", screen.assess(text)


def test_a_resolved_past_is_at_most_a_concern(screen: SafetyScreen) -> None:
    text = "years ago I tried to kill myself, but now I'm in a much better place"
    assert screen.assess(text).level == "concern"


def test_joking_register_caps_at_concern_but_still_asks(screen: SafetyScreen) -> None:
    assert screen.assess("ugh this exam makes me want to die lol").level == "concern"


def test_a_yes_after_a_cue_confirms_the_risk(screen: SafetyScreen) -> None:
    history = ["sometimes I think about ending my life"]
    assessment = screen.assess("yes", history)
    assert assessment.level == "urgent"
    assert "affirmed_risk" in assessment.cues
    assert screen.assess("yes").level == "none"


def test_means_after_earlier_ideation_is_an_emergency(screen: SafetyScreen) -> None:
    history = ["I've been thinking about ending it all"]
    assert screen.assess("I have the pills right here", history).level == "emergency"
    assert screen.assess("tonight", history).level == "emergency"


def test_an_ordinary_follow_up_is_not_raised_by_history(screen: SafetyScreen) -> None:
    history = ["I want to die"]
    assert screen.assess("my sister is coming over later", history).level == "none"


def test_language_is_detected_for_the_reply(screen: SafetyScreen) -> None:
    assert screen.assess("no quiero vivir más, estoy muy cansada").language == "es"
    assert screen.assess("I want to die").language == "en"


def test_normalise_handles_apostrophes_accents_and_stretching() -> None:
    assert normalise("I DON’T wanna diiiiie") == "i dont wanna diie"
    assert normalise("Mí VIDA") == "mi vida"


def test_max_level_orders_levels() -> None:
    assert max_level("none", "urgent", "concern") == "urgent"
    assert max_level() == "none"
    assert list(LEVELS) == ["none", "concern", "urgent", "emergency"]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("level", ["concern", "urgent", "emergency"])
def test_safety_replies_exist_for_every_level_and_language(level: str, language: str) -> None:
    lines = safety_reply(level, language)
    text = " ".join(lines)
    assert "{" not in text and "988" in text and "911" in text
    assert "?" in text  # every safety reply asks the client directly


def test_emergency_reply_puts_the_emergency_number_first() -> None:
    first = safety_reply("emergency")[0]
    assert "911" in first


def test_program_resources_replace_the_defaults() -> None:
    lines = safety_reply("urgent", resources="Call the Harbor line: 555-0100.")
    assert any("Harbor line" in line for line in lines)
    assert not any("741741" in line for line in lines)


def test_no_safety_reply_for_none() -> None:
    with pytest.raises(ValueError):
        safety_reply("none")


def test_screening_is_fast(screen: SafetyScreen) -> None:
    messages = [
        "I had a long day at work and my back hurts",
        "my caseworker finally called me back about the apartment",
        "I want to kill myself",
        "feeling okay today, went to my meeting",
    ] * 100
    timings = []
    for message in messages:
        started = time.perf_counter()
        screen.assess(message, ["earlier message one", "earlier message two"])
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.005
