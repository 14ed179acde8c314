"""The one question typer: what kind of thing answers a question, and whether
a sentence holds that kind of thing."""

import pytest

from rag.text.questions import claim, holds_answer_kind, question_target


@pytest.mark.parametrize("question, kind, noun", [
    ("How many nations backed the resolution?", "number", "many"),
    ("What percentage of voters backed him?", "percent", ""),
    ("When was the ceasefire agreed?", "date", ""),
    ("In what year did the war start?", "date", "year"),
    ("Who is the White House spokesman?", "person", ""),
    ("Which city did Israel plan to attack?", "place", "city"),
    ("In which European country is Andrew Tate held?", "place", "country"),
    ("Which company announced layoffs?", "name", "company"),
    ("Which GOP leader sparked a dayslong stalemate?", "person", "leader"),
    ("Which seed did the FDA add to its list of allergens?", "thing", "seed"),
    ("Why did the US abstain?", None, ""),
    ("What caused the outage at the airport?", None, ""),
    ("And what happened after that?", None, ""),
    ("How did Netanyahu react to the UN vote?", None, ""),
    ("What did Matthew Miller call the statements?", "statement", ""),
    ("What is the book titled?", "title", ""),
    ("Which film scored the most Oscar nominations?", "title", "film"),
    ("Which of these films received the most nominations?", "title", "films"),
    ("Which country's prime minister announced she will resign?", "place", "country"),
    ("Which broadcaster's journalists lack understanding of economics?", "name",
     "broadcaster"),
    ("Shiffrin broke the record for World Cup wins, previously held by:", "person", ""),
    ("Biden held bilateral talks with this leader, his Mexican counterpart:", "person",
     "leader"),
    ("Which of these was one of the committees he resigned from?", None, ""),
    ("In the new sandwich, what vegetable replaces the chicken?", "thing", "vegetable"),
    ("Colossal wants to bring which species back to life?", "thing", "species"),
    ("What age was she?", "number", "age"),
    ("Which three-digit phone number is going out of service?", "number", "number"),
    ("What was the magnitude of the quake that struck the region?", "number", "magnitude"),
    ("This Republican is set to be the first to challenge Trump in the primary.", "person",
     "republican"),
    ("Trains stopped running this week city officials said.", None, ""),   # not "city"
    ("Which classic British television comedy is to be revived?", "title", "comedy"),
])
def test_question_target_reads_what_the_question_asks_for(question, kind, noun):
    target = question_target(question)
    assert (target.kind, target.noun) == (kind, noun)


def test_question_target_reads_the_interrogative_not_a_relative_who():
    q = "Which airline will pay passengers who were impacted by its meltdown?"
    assert question_target(q).kind == "name"
    q = "The party argued over who should lead. Which Republican lost the votes?"
    assert question_target(q).noun == "republican"


def test_question_target_skips_a_relative_which_after_a_comma():
    q = ("A balloon, which Pentagon officials said was built to spy, was shot down off "
         "the coast of which state?")
    assert (question_target(q).kind, question_target(q).noun) == ("place", "state")


def test_only_phrase_kinds_get_a_short_answer():
    assert question_target("How many nations backed the resolution?").phrase
    assert not question_target("What did Joe Biden say about the vote?").phrase
    assert not question_target("Why did the US abstain?").phrase


def test_a_sentence_holds_the_kind_of_thing_asked_for():
    said = "Mr Biden said the vote was a mistake."
    statement = question_target("What did Joe Biden say about the vote?")
    assert holds_answer_kind(said, statement, "What did Joe Biden say about the vote?")
    assert not holds_answer_kind("Pressure on Joe Biden's administration grew.", statement,
                                 "What did Joe Biden say about the vote?")
    many = "How many nations backed the resolution?"
    assert holds_answer_kind("It was backed by 14 nations.", question_target(many), many)
    assert not holds_answer_kind("It was backed by most nations.", question_target(many), many)
    who = "Who is the White House spokesman?"
    assert holds_answer_kind("The spokesman, John Kirby, spoke.", question_target(who), who)
    assert not holds_answer_kind("The White House spokesman spoke.", question_target(who), who)


def test_a_true_or_false_question_asks_about_its_claim():
    assert claim("True or false: Rolling Stone snubbed Celine Dion.") == \
        "Rolling Stone snubbed Celine Dion."
    assert claim("Phil saw his shadow this year. True or False?") == \
        "Phil saw his shadow this year."
    assert claim("Who saw his shadow?") is None


def test_only_a_leading_or_closing_true_or_false_makes_a_claim():
    assert claim("True or false? Phil saw his shadow.") == "Phil saw his shadow."
    assert claim("Phil saw his shadow — true or false") == "Phil saw his shadow"
    # A question about something else that mentions the words is not a claim.
    assert claim("Who said the story was true or false in court?") is None
    assert claim("Which outlet rated the rumour true or false?") is None
    assert claim("True or false?") is None
