"""Who speaks in a reported sentence whose speaker is a pronoun: the person the
sentence before names next to a reporting verb, and no one otherwise; and the
day a report was told, which is not the day of what it reports."""

from rag.text.speakers import asks_about_telling, named_speaker, speakers, when_told

QUOTE = "“We will do it alone,” he said following a meeting with Antony Blinken."


def test_a_quote_said_by_he_is_the_speaker_the_sentence_before_names():
    text = f"Mr Netanyahu said the operation would go ahead. {QUOTE}"
    (start, speaker), = speakers(text, offset=100).items()
    assert text[start - 100:].startswith("“We will")
    assert speaker.name == "Netanyahu"
    assert speaker.before == "Mr Netanyahu said the operation would go ahead."
    assert speaker.resolve(QUOTE) == ("“We will do it alone,” Netanyahu said following a "
                                      "meeting with Antony Blinken.")


def test_a_speaker_named_after_the_quote_counts_too():
    text = f"“It will go ahead,” said Benjamin Netanyahu. {QUOTE}"
    assert [s.name for s in speakers(text).values()] == ["Benjamin Netanyahu"]


def test_a_pronoun_is_left_alone_when_the_sentence_before_names_no_speaker():
    assert speakers(f"The operation was criticised by Antony Blinken on Monday. {QUOTE}") == {}
    assert speakers(f"The operation would go ahead, officials said. {QUOTE}") == {}


def test_a_pronoun_is_left_alone_when_its_own_sentence_names_a_person_before_it():
    text = ("Mr Netanyahu said the operation would go ahead. "
            "Antony Blinken met the cabinet, and he said the talks went well.")
    assert speakers(text) == {}


def test_the_object_of_a_reporting_verb_is_not_its_speaker():
    assert named_speaker("Mr Boykov argued Griner had no chance to read the papers.") \
        == "Boykov"
    assert named_speaker("A spokesperson told Jane Smith the plan was off.") is None


def test_a_country_or_an_organisation_is_not_a_speaker():
    assert named_speaker("The US said the operation would go ahead.") is None
    assert named_speaker("The State Department said the operation would go ahead.") is None


def test_a_name_starting_the_sentence_is_a_speaker_when_the_passage_writes_it_inside_one():
    before = "Netanyahu said the operation would go ahead."
    assert speakers(f"{before} {QUOTE}") == {}      # "Netanyahu" may be any first word
    named = speakers(f"Critics met Netanyahu on Monday. {before} {QUOTE}")
    assert [s.name for s in named.values()] == ["Netanyahu"]


def test_a_day_after_a_reporting_verb_is_when_it_was_told():
    def told(sentence, day):
        return when_told(sentence, sentence.index(day))

    assert told("She is quitting because of burnout, the 42-year-old said Thursday.", "Thursday")
    assert told("Miller said in a press briefing in Washington on Tuesday.", "Tuesday")
    assert told("Ardern announced on Thursday she would resign.", "Thursday")
    # The day of what the sentence reports, not of its telling.
    assert not told("The IRS started accepting tax returns on Monday.", "Monday")
    assert not told("He said the council voted on Monday.", "Monday")
    assert not told("He said the vote was held on Monday.", "Monday")


def test_a_question_asks_about_a_telling_only_when_it_asks_when_it_was_told():
    assert asks_about_telling("When did Google announce Bard?")
    assert asks_about_telling("On which day did Biden say he would run?")
    assert not asks_about_telling("Ardern has announced her resignation after serving as "
                                  "prime minister since when?")
