import statistics
import time
from pathlib import Path

import pytest

from bot.safety.screen import (
    CUES_PATH,
    LEVELS,
    Assessment,
    SafetyScreen,
    max_level,
    normalise,
    safety_reply,
)


@pytest.fixture(scope="module")
def screen() -> SafetyScreen:
    return SafetyScreen()


def level_and_cues(screen: SafetyScreen, text: str, history: tuple[str, ...] = ()) -> tuple:
    assessment = screen.assess(text, history)
    return assessment.level, assessment.cues


# --- every cue family, in English and Spanish, with slang, typos and emoji -------------------


@pytest.mark.parametrize(
    ("text", "level", "cue"),
    [
        # Suicidal thoughts, direct and indirect.
        ("I want to kill myself", "urgent", "suicidal_ideation"),
        ("i dont want to be alive anymore", "urgent", "suicidal_ideation"),
        ("honestly everyone would be better off without me", "urgent", "suicidal_ideation"),
        ("i don't want to wake up tomorrow", "urgent", "suicidal_ideation"),
        ("there's no reason to live", "urgent", "suicidal_ideation"),
        ("I just want to end it all", "urgent", "suicidal_ideation"),
        ("I can't go on like this", "urgent", "suicidal_ideation"),
        ("I've been thinking about suicide a lot", "urgent", "suicidal_ideation"),
        ("ive been having suicidal thoughts again", "urgent", "suicidal_ideation"),
        ("I wish I was never born", "urgent", "suicidal_ideation"),
        ("nobody would even notice if I was gone", "urgent", "suicidal_ideation"),
        ("why am I even alive", "urgent", "suicidal_ideation"),
        ("I don't see the point in living", "urgent", "suicidal_ideation"),
        ("I'm not brave enough to kill myself", "urgent", "suicidal_ideation"),
        ("I'm trying so hard not to kill myself", "urgent", "suicidal_ideation"),
        ("the only reason I haven't killed myself is my dog", "urgent", "suicidal_ideation"),
        # Slang, typos, stretched letters, missing apostrophes.
        ("kms", "urgent", "suicidal_ideation"),
        ("thinking about unaliving myself", "urgent", "suicidal_ideation"),
        ("sewerslide is looking good", "urgent", "suicidal_ideation"),
        ("im so sucidal", "urgent", "suicidal_ideation"),
        ("i want to kil myself", "urgent", "suicidal_ideation"),
        ("wanna diiiie", "urgent", "suicidal_ideation"),
        ("I DON’T WANT TO LIVE ANYMORE", "urgent", "suicidal_ideation"),
        ("Suicidal again. Cant sleep.", "urgent", "suicidal_ideation"),
        # Spanish.
        ("me quiero morir", "urgent", "suicidal_ideation"),
        ("quiero matarme", "urgent", "suicidal_ideation"),
        ("ya no quiero vivir", "urgent", "suicidal_ideation"),
        ("estarían mejor sin mí", "urgent", "suicidal_ideation"),
        ("estoy pensando en quitarme la vida", "urgent", "suicidal_ideation"),
        # Attempts.
        ("last month I tried to overdose", "urgent", "suicide_attempt"),
        ("since my suicide attempt nothing feels real", "urgent", "suicide_attempt"),
        # Plans and means on their own.
        ("I've been saving up my pills", "urgent", "plan_or_means"),
        ("I wrote a goodbye letter to my kids", "urgent", "plan_or_means"),
        # Self-harm.
        ("I've been cutting again", "urgent", "self_harm"),
        ("the urge to cut is so strong", "urgent", "self_harm"),
        ("I burned myself with a lighter", "urgent", "self_harm"),
        ("relapsed on sh last night", "urgent", "self_harm"),
        ("me voy a cortar", "urgent", "self_harm"),
        ("me corto cuando estoy sola", "urgent", "self_harm"),
        # Overdose and using alone.
        ("I almost overdosed last week", "urgent", "overdose"),
        ("if I OD nobody would find me", "urgent", "overdose"),
        ("gonna be using alone tonight", "urgent", "using_alone"),
        ("voy a consumir sola", "urgent", "using_alone"),
        # Violence and threats against the client.
        ("he hit me again last night", "urgent", "violence_against_client"),
        ("she choked me", "urgent", "violence_against_client"),
        ("he threatened to kill me", "urgent", "violence_against_client"),
        ("he said he'd kill me if I left", "urgent", "violence_against_client"),
        ("I don't feel safe at home", "urgent", "violence_against_client"),
        ("I'm scared he'll kill me", "urgent", "violence_against_client"),
        ("mi esposo me pega", "urgent", "violence_against_client"),
        ("me amenazó", "urgent", "violence_against_client"),
        ("no me siento segura en casa", "urgent", "violence_against_client"),
        # Harm to someone else or a child.
        ("I'm going to kill him", "urgent", "harm_to_others"),
        ("I want to hurt my roommate", "urgent", "harm_to_others"),
        ("lo voy a matar", "urgent", "harm_to_others"),
        ("I'm scared I'll hurt my baby", "urgent", "child_at_risk"),
        ("my boyfriend hits my kids", "urgent", "child_at_risk"),
        ("tengo miedo de lastimar a mi bebé", "urgent", "child_at_risk"),
        # Voices telling them to hurt someone.
        ("the voices keep telling me to hurt people", "urgent", "command_hallucination"),
        ("las voces me dicen que me mate", "urgent", "command_hallucination"),
        # Trafficking.
        ("they took my passport and say I owe them", "urgent", "trafficking"),
        ("he's forcing me to have sex with his friends for money", "urgent", "trafficking"),
        ("I owe them money so they won't let me leave", "urgent", "trafficking"),
        ("me quitaron el pasaporte y no me dejan salir", "urgent", "trafficking"),
        # Hopelessness: a concern.
        ("whats the point", "concern", "hopelessness"),
        ("sometimes I wonder what's the point", "concern", "hopelessness"),
        ("nothing matters anymore", "concern", "hopelessness"),
        ("I'm so tired of everything", "concern", "hopelessness"),
        ("I can't take this anymore", "concern", "hopelessness"),
        ("I'm such a burden", "concern", "hopelessness"),
        ("ya no puedo más", "concern", "hopelessness"),
    ],
)
def test_cues_are_caught_at_their_level(
    screen: SafetyScreen, text: str, level: str, cue: str
) -> None:
    assessment = screen.assess(text)
    assert assessment.level == level, assessment
    assert cue in assessment.cues, assessment


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # A plan with a means or a time, an act in progress, someone hurting the client now.
        ("I have the pills counted out and I want to die", "plan_or_means"),
        ("i want to end my life tonight", "plan_or_means"),
        ("I'm going to kill myself tonight", "plan_or_means"),
        ("I want to die. I have a gun.", "plan_or_means"),
        ("🔪 and 💊 tonight, I'm done, I want to die", "plan_or_means"),
        ("I just took all my pills", "suicide_attempt"),
        ("I took 30 of my sleeping pills", "suicide_attempt"),
        ("me tomé todas las pastillas", "suicide_attempt"),
        ("im on the bridge right now", "plan_or_means"),
        ("the gun is in my hand", "plan_or_means"),
        ("estoy en el puente", "plan_or_means"),
        ("tengo las pastillas y quiero morir", "plan_or_means"),
        ("I cut too deep and it won't stop bleeding", "self_harm"),
        ("i think i took too much", "overdose"),
        ("i think im ODing", "overdose"),
        ("my friend is not breathing", "overdose"),
        ("my boyfriend is hitting me right now", "violence_against_client"),
        ("he's breaking in right now", "violence_against_client"),
        ("me está pegando ahora mismo", "violence_against_client"),
        ("I'm going to stab him tonight", "harm_to_others"),
    ],
)
def test_emergencies(screen: SafetyScreen, text: str, cue: str) -> None:
    assessment = screen.assess(text)
    assert assessment.level == "emergency", assessment
    assert cue in assessment.cues, assessment


def test_a_method_thought_about_is_urgent_not_an_emergency(screen: SafetyScreen) -> None:
    # Thinking of a method is not yet a means at hand or a time.
    assert screen.assess("I'm thinking about taking all my pills").level == "urgent"
    assert screen.assess("I'm so suicidal rn").level == "urgent"


# --- what is not a cue ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # Idioms.
        "this paperwork is killing me",
        "my feet are killing me after that shift",
        "I'm dying to see my kids this weekend",
        "I could kill for a coffee right now",
        "lol that joke killed me",
        "I'm dead 😂",
        "I killed it at my interview",
        "shoot me a text when you're free",
        "hit me up later",
        "my phone is dying",
        "my mom is gonna kill me if I'm late",
        "honestly I could die of embarrassment",
        "that would be career suicide",
        "me muero de ganas de verte",
        "esta tarea me está matando",
        "mataría por un café",
        # Clear negations.
        "I'm not suicidal, just really tired",
        "I would never hurt myself",
        "I'd never, ever hurt myself, I love my kids",
        "I don't want to die, I want things to get better",
        "I'm not going to kill myself",
        "I have never been suicidal",
        "no quiero morir",
        "no me quiero matar, solo estoy triste",
        # Films, songs, games, the news, classes.
        "the movie was about a man who wanted to kill himself",
        "that song about wanting to die is so sad",
        "the documentary about suicide was hard to watch",
        "in the game I kill everyone lol",
        "the news said a man killed his wife",
        "I'm in a class about suicide prevention",
        # Ordinary distress, and ordinary talk of medicine.
        "I feel sad and lonely today",
        "I'm so depressed and anxious",
        "I keep crying and can't sleep",
        "I'm really stressed about rent",
        "I take seroquel for sleep",
        "I need a refill on my pills",
        "I attempted the exam twice",
        "that's odd",
        "he kicked me out of the house",
        "ya no quiero seguir con él",
        "me corté el pelo",
    ],
)
def test_idioms_negations_stories_and_ordinary_distress_are_not_cues(
    screen: SafetyScreen, text: str
) -> None:
    assert screen.assess(text).level == "none", screen.assess(text)


@pytest.mark.parametrize(
    "text",
    [
        "years ago I tried to kill myself, I'm in a much better place now",
        "I used to cut but I'm 2 years clean now",
        "I used to self harm",
        "When I was 15 I attempted suicide",
        "I was suicidal back then but I'm doing much better now",
    ],
)
def test_a_resolved_or_long_past_cue_is_at_most_a_concern(
    screen: SafetyScreen, text: str
) -> None:
    assert max_level(screen.assess(text).level, "concern") == "concern"


def test_a_recent_past_cue_still_alerts(screen: SafetyScreen) -> None:
    assert screen.assess("last year I tried to kill myself").level == "urgent"
    assert screen.assess("I was suicidal last night").level == "urgent"


def test_a_cue_about_someone_else_is_a_concern(screen: SafetyScreen) -> None:
    assert level_and_cues(screen, "my sister wants to die") == ("concern", ("suicidal_ideation",))
    assert screen.assess("my boyfriend is having suicidal thoughts, how do I help").level == (
        "concern"
    )
    assert screen.assess("I lost my brother to suicide").level == "concern"
    assert screen.assess("I told my mom I want to die").level == "urgent"


def test_someone_elses_question_reported_is_a_concern(screen: SafetyScreen) -> None:
    text = "my therapist asked if I'd ever thought about suicide and I said no"
    assert screen.assess(text).level == "concern"


def test_a_denial_qualified_by_but_is_ambivalence(screen: SafetyScreen) -> None:
    text = "I'm not going to kill myself but it has been a hard week"
    assert screen.assess(text).level == "concern"


def test_a_denial_of_intent_with_the_thought_still_there_is_ideation(screen: SafetyScreen) -> None:
    # The screener's second question is whether there are thoughts of killing oneself: a "no" to
    # intent does not answer it.
    for text in (
        "I'm not going to kill myself but I think about it a lot",
        "I have never attempted suicide, but I think about it constantly.",
        "I'm not going to kill myself, but the thought is always there.",
        "I don't want to kill myself, I just think about it all the time.",
    ):
        assert screen.assess(text).level == "urgent", text
    assert screen.assess("I'm not suicidal, I just think about my dad a lot").level == "none"


def test_joking_caps_a_cue_at_concern_but_a_time_still_alerts(screen: SafetyScreen) -> None:
    assert screen.assess("ugh this exam makes me want to die lol").level == "concern"
    assert screen.assess("I want to kill him lol").level == "concern"
    assert screen.assess("I'm going to kill myself tonight lol").level == "urgent"


# --- suppressors reach only their own clause or sentence ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # A negation in one sentence does not deny a cue in another.
        "I'm not lazy. I'm not crazy. I just want to end my life.",
        "I would never hurt my kids. But I've been thinking about killing myself.",
        # Someone else's cue in one sentence, the client's own in another.
        "My sister said she wants to die. I don't know how to help her. I want to die too.",
        # A film in one sentence, the client in the next.
        "We watched a movie about a soldier last night. Anyway, i'm going to kill myself.",
        # A joke in one sentence does not soften a cue in the next.
        "my mom said she would kill me if I failed lol. honestly i want to kill myself",
        # A long past in one sentence, now in another.
        "I tried to kill myself when I was 15. Lately I've been thinking about suicide every day.",
    ],
)
def test_a_suppressor_in_one_sentence_does_not_cancel_a_cue_in_another(
    screen: SafetyScreen, text: str
) -> None:
    assert screen.assess(text).level in ("urgent", "emergency"), screen.assess(text)


def test_a_resolution_speaks_only_for_the_cue_beside_it(screen: SafetyScreen) -> None:
    beside = "I was suicidal in my twenties. I'm so much better now."
    assert screen.assess(beside).level == "concern"
    far = (
        "I'm so much better now than at my last job. My boss was awful. The commute was long. "
        "I was suicidal last night."
    )
    assert screen.assess(far).level == "urgent"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("when I was 16 I tried to kill myself", "concern"),
        # The past comes back...
        ("i tried to kill myself two years ago and i want to try again", "urgent"),
        ("I used to cut myself when I was a teenager and I still do", "urgent"),
        # ...or meets distress now.
        ("I attempted suicide years ago. Lately I feel so hopeless.", "urgent"),
        ("I attempted suicide years ago. Now I feel so empty and alone.", "urgent"),
        ("When I was a teenager I tried to kill myself. I'm not okay.", "urgent"),
        # Said to be behind them, it stays a concern.
        ("I attempted suicide years ago, but I'm in a much better place now", "concern"),
    ],
)
def test_a_past_cue_counts_again_when_it_comes_back_or_meets_distress_now(
    screen: SafetyScreen, text: str, level: str
) -> None:
    assert screen.assess(text).level == level, screen.assess(text)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A negation that measures the cue, or a denial taken back, does not deny it.
        ("I've never wanted to die so much in my life", "urgent"),
        ("i'm not going to kill myself but i want to", "urgent"),
        ("I haven't cut in two months but tonight I really want to", "urgent"),
        # Double negations and "should not" affirm it.
        ("Not a day goes by that I don't think about killing myself", "urgent"),
        ("I can't pretend I don't want to die anymore", "urgent"),
        ("I know I shouldn't want to die", "urgent"),
        # A "but" opening the next sentence qualifies a denial: asked about, and with a second
        # sign the worker is told.
        ("I don't want to kill myself. But sometimes I think about it.", "concern"),
        ("I don't want to kill myself. But I can't keep doing this.", "urgent"),
        # A denial beside another warning sign is the client raising it: signs that add up.
        ("I'm not going to kill myself. I just feel like such a burden to everyone.", "urgent"),
        # A plain denial is still a denial.
        ("I don't want to die", "none"),
        ("I'm not suicidal, just tired", "none"),
        ("no no, I don't want to die, I'm just venting", "none"),
    ],
)
def test_negations_that_do_not_deny(screen: SafetyScreen, text: str, level: str) -> None:
    assert screen.assess(text).level == level, screen.assess(text)


def test_separate_warning_signs_add_up(screen: SafetyScreen) -> None:
    assert screen.assess("I'm such a burden").level == "concern"
    together = screen.assess("I'm such a burden. There's no way out.")
    assert together.level == "urgent"
    assert together.cues == ("hopelessness",)
    # A joke is not a second sign.
    assert screen.assess("I feel hopeless. this homework makes me want to die lol").level == (
        "concern"
    )


@pytest.mark.parametrize(
    "text",
    [
        "I feel so sad today",
        "I'm lonely",
        "my grandma died last week and I can't stop crying",
        "I'm anxious about my court date",
        "I'm so stressed about rent",
        "I've been depressed for months",
        "I feel hopeless about finding a job",
        "I miss my mom so much",
        "he hurt me so bad when he left",
        "me siento muy triste",
    ],
)
def test_ordinary_sadness_stress_loneliness_grief_and_anxiety_are_not_cues(
    screen: SafetyScreen, text: str
) -> None:
    assert screen.assess(text).level == "none", screen.assess(text)


# --- earlier messages give a follow-up its meaning ------------------------------------------


@pytest.mark.parametrize(
    ("history", "text", "level"),
    [
        (["I've been thinking about ending it"], "I have the pills right here", "emergency"),
        (["I've been thinking about ending it all"], "tonight", "emergency"),
        (["I want to die"], "I'm going to do it tonight", "emergency"),
        (["I want to die"], "I have a plan", "emergency"),
        (["I've been saving up my pills"], "I want to die", "emergency"),
        (["sometimes I think about ending my life"], "yes", "urgent"),
        (["nothing matters anymore"], "yeah kind of", "urgent"),
        (["quiero morir"], "sí", "urgent"),
        (["I want to die"], "I'm going to do it", "urgent"),
        (["I want to die"], "my sister is coming over later", "none"),
        (["I want to die"], "no. I'm fine", "none"),
        (["I want to die"], "yes I'm safe", "none"),
        # A "yes" to "are you safe?" after violence means safe.
        (["he hit me"], "yes", "none"),
        # Without an earlier cue, the same words mean nothing.
        ([], "yes", "none"),
        ([], "I have the pills right here", "none"),
        ([], "tonight", "none"),
    ],
)
def test_history_gives_a_short_follow_up_its_meaning(
    screen: SafetyScreen, history: list[str], text: str, level: str
) -> None:
    assert screen.assess(text, history).level == level


def test_a_follow_up_carries_the_earlier_cue(screen: SafetyScreen) -> None:
    assessment = screen.assess("yes", ["I think about killing myself every day"])
    assert assessment.cues == ("suicidal_ideation",)
    assert assessment.evidence == ("yes",)


def test_only_the_latest_earlier_messages_count(screen: SafetyScreen) -> None:
    history = ["I want to die", "ok", "the bus was late", "work was fine"]
    assert screen.assess("yes", history).level == "none"


@pytest.mark.parametrize("text", ["", "   ", "no", "I'm fine", "🙂", "?!", "\n\n"])
def test_short_and_empty_messages_do_not_crash(screen: SafetyScreen, text: str) -> None:
    assert screen.assess(text, ["I want to die"]).level in LEVELS


# --- the assessment itself -----------------------------------------------------------------


def test_assessment_reports_sorted_cues_evidence_and_language(screen: SafetyScreen) -> None:
    assessment = screen.assess("He hit me and I want to die")
    assert assessment.cues == ("suicidal_ideation", "violence_against_client")
    assert "he hit me" in assessment.evidence
    assert assessment.to_dict() == {
        "level": "urgent",
        "cues": ["suicidal_ideation", "violence_against_client"],
        "evidence": list(assessment.evidence),
        "language": "en",
    }


@pytest.mark.parametrize(
    ("text", "history", "language"),
    [
        ("no quiero vivir más, estoy muy cansada", [], "es"),
        ("me pegó", [], "es"),
        ("I want to die", [], "en"),
        ("no", ["estoy muy triste"], "es"),
        ("no", [], "en"),
    ],
)
def test_language_is_detected_for_the_reply(
    screen: SafetyScreen, text: str, history: list[str], language: str
) -> None:
    assert screen.assess(text, history).language == language


def test_normalise_handles_apostrophes_accents_short_forms_and_stretching() -> None:
    assert normalise("I DON’T wanna diiiiie") == "i do not want to die"
    assert normalise("Mí VIDA") == "mi vida"
    assert normalise("im sooo done rn") == "i am so done right now"
    assert normalise("I OD'd, that's odd") == "i overdosed, that is odd"
    assert normalise("he'll hurt me, self-harm 💊") == "he will hurt me, self harm pills"
    assert normalise("i w4nt to k1ll mys3lf, f***ing d1e") == "i want to kill myself, fing die"


def test_max_level_orders_levels() -> None:
    assert max_level("none", "urgent", "concern") == "urgent"
    assert max_level("emergency", "urgent") == "emergency"
    assert max_level() == "none"
    assert LEVELS == ("none", "concern", "urgent", "emergency")


def test_the_lexicon_is_read_once_and_not_at_import(tmp_path: Path) -> None:
    cues = tmp_path / "cues.yml"
    cues.write_text(CUES_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    screen = SafetyScreen(cues)
    cues.unlink()  # nothing read yet
    with pytest.raises(FileNotFoundError):
        screen.assess("hello")
    cues.write_text(CUES_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert screen.assess("I want to die").level == "urgent"
    cues.unlink()
    assert screen.assess("kms").level == "urgent"


def test_assessment_is_immutable(screen: SafetyScreen) -> None:
    assessment = screen.assess("hello")
    assert isinstance(assessment, Assessment)
    with pytest.raises(AttributeError):
        assessment.level = "urgent"  # type: ignore[misc]


# --- replies -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("level", ["concern", "urgent", "emergency"])
def test_safety_replies_exist_for_every_level_and_language(level: str, language: str) -> None:
    lines = safety_reply(level, language)
    text = " ".join(lines)
    assert lines and all(lines)
    assert "{" not in text and "}" not in text
    assert "988" in text and "911" in text
    assert "?" in text  # every safety reply asks the client directly


@pytest.mark.parametrize("language", ["en", "es"])
def test_emergency_reply_puts_the_emergency_number_first(language: str) -> None:
    lines = safety_reply("emergency", language)
    assert "911" in lines[0]
    lines = safety_reply(
        "emergency", language, resources="Call the Harbor line: 555-0100.", emergency_number="999"
    )
    assert "999" in lines[0]
    assert not any("999" in line for line in lines[1:])


@pytest.mark.parametrize("language", ["en", "es"])
def test_program_resources_without_a_number_never_name_the_us_one(language: str) -> None:
    lines = safety_reply("emergency", language, resources="Call 116 123 (Samaritans).")
    assert "emergenc" in lines[0]
    assert not any("911" in line or "988" in line for line in lines)


@pytest.mark.parametrize("level", ["urgent", "emergency"])
def test_paged_replies_say_a_person_is_being_told(level: str) -> None:
    assert "not a person" in " ".join(safety_reply(level))
    assert "no una persona" in " ".join(safety_reply(level, "es"))


def test_program_resources_replace_the_defaults() -> None:
    lines = safety_reply("urgent", resources="Call the Harbor line: 555-0100.")
    assert any("Harbor line" in line for line in lines)
    assert not any("741741" in line for line in lines)


def test_an_unknown_language_gets_english() -> None:
    assert safety_reply("concern", "fr") == safety_reply("concern", "en")


def test_no_safety_reply_for_none() -> None:
    with pytest.raises(ValueError):
        safety_reply("none")


def test_replies_do_not_use_the_c_ssrs_screener_wording() -> None:
    everything = " ".join(
        line for level in ("concern", "urgent", "emergency") for line in safety_reply(level)
    ).lower()
    assert "have you wished you were dead" not in everything
    assert "have you actually had any thoughts" not in everything


# --- speed ---------------------------------------------------------------------------------

CONVERSATION = [
    "I had a long day at work and my back hurts",
    "my caseworker finally called me back about the apartment",
    "feeling okay today, went to my meeting",
    "the bus was late again and I missed my appointment, so frustrating",
    "I want to kill myself",
    "my daughter's birthday is on Saturday and I want to get her something nice",
    "no quiero morir, solo estoy cansada",
    "I've been clean for ninety days and I'm proud of that, even if the cravings are bad at "
    "night and I still don't sleep much, my sponsor says it gets easier",
]


def test_screening_is_fast(screen: SafetyScreen) -> None:
    timings = []
    history: list[str] = []
    for message in CONVERSATION * 50:
        started = time.perf_counter()
        screen.assess(message, history[-5:])
        timings.append(time.perf_counter() - started)
        history.append(message)
    assert statistics.median(timings) < 0.005


def test_the_lexicon_has_no_key_twice() -> None:
    # YAML keeps the last of two equal keys, silently dropping every pattern under the first.
    import yaml

    from bot.safety.screen import CUES_PATH

    class StrictLoader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
        twice = {key for key in keys if keys.count(key) > 1}
        assert not twice, f"{twice} twice at {node.start_mark}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load(CUES_PATH.read_text(encoding="utf-8"), Loader=StrictLoader)


def test_a_concern_about_drug_use_alone_gets_the_substance_use_wording() -> None:
    from bot.safety.screen import safety_reply

    general = safety_reply("concern")
    for cues in (("relapse",), ("using_alone",), ("overdose", "relapse")):
        wording = safety_reply("concern", cues=cues)
        assert wording != general
        assert any("naloxone" in line for line in wording)
        assert any("suicide" in line for line in wording)  # the direct question still asks it
    assert safety_reply("concern", cues=("relapse", "suicidal_ideation")) == general
    assert safety_reply("urgent", cues=("relapse",)) == safety_reply("urgent")
    spanish = safety_reply("concern", "es", cues=("relapse",), resources="Llama a la línea 123.")
    assert any("naloxona" in line for line in spanish)
    assert any("Llama a la línea 123." in line for line in spanish)
    with pytest.raises(ValueError):
        safety_reply("urgent", wording_name="concern_substance_use")


def test_a_concern_about_someone_at_home_asks_whether_someone_is_hurting_them() -> None:
    from bot.safety.screen import safety_reply

    wording = safety_reply("concern", cues=("violence_against_client",))
    assert wording != safety_reply("concern")
    assert any("someone hurting you" in line for line in wording)
    assert any("alguien te está haciendo daño" in line.lower()
               for line in safety_reply("concern", "es", cues=("violence_against_client",)))
    mixed = ("violence_against_client", "relapse")
    assert safety_reply("concern", cues=mixed) == safety_reply("concern")


def test_a_concern_about_hurting_someone_else_asks_about_that_without_judgement() -> None:
    from bot.safety.screen import safety_reply

    for cues in (("harm_to_others",), ("child_at_risk",), ("harm_to_others", "child_at_risk")):
        wording = safety_reply("concern", cues=cues)
        assert wording != safety_reply("concern")
        assert any("thoughts of hurting someone" in line for line in wording)
        assert any("hurting yourself" in line for line in wording)
        assert any("no judgement" in line for line in wording)
    spanish = safety_reply("concern", "es", cues=("harm_to_others",))
    assert any("hacerle daño a alguien" in line for line in spanish)
    assert safety_reply("concern", cues=("harm_to_others", "suicidal_ideation")) == (
        safety_reply("concern")
    )
