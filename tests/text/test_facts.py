"""Normalising what sentences state: numbers, dates, names (pure functions)."""

import pytest

from rag.text import facts


def _values(sentence):
    return [m.value for m in facts.numbers(sentence)]


@pytest.mark.parametrize("sentence", [
    "The death toll passed 32,000 on Sunday.",
    "The death toll passed 32 thousand on Sunday.",
    "The death toll passed thirty-two thousand on Sunday.",
    "The death toll passed 32000 on Sunday.",
])
def test_numbers_in_digits_words_and_scales_normalise_to_one_value(sentence):
    assert _values(sentence) == [32000.0]


def test_decimal_scales_and_percentages():
    assert _values("It costs 1.2 million dollars.") == [1_200_000.0]
    (pct,) = facts.numbers("Unemployment fell to 3.5% in May.")
    assert pct.value == 3.5 and pct.unit == "%"


def test_lone_one_is_not_a_number_but_one_million_is():
    assert _values("No one came, but one million people watched.") == [1_000_000.0]


def test_count_of_total_are_separate_slots_with_the_same_unit():
    part, total = facts.numbers("The resolution was backed by 14 of the 15 members.")
    assert (part.value, part.role, part.unit) == (14.0, "part", "member")
    assert (total.value, total.role) == (15.0, "total")
    assert part.text == "14 of the 15 members"


def test_synonymous_units_are_one_unit():
    (a,) = facts.numbers("The resolution was backed by 14 nations.")
    (b,) = facts.numbers("The resolution was backed by 13 countries.")
    assert a.unit == b.unit and facts.same_slot(a, b) and not facts.values_agree(a, b)


def test_hyphenated_attribute_is_not_a_count():
    (m,) = facts.numbers("It was the only country on the 15-member council to veto it.")
    assert m.role == "attr" and m.value == 15.0


def test_date_parts_are_not_counted_as_numbers():
    assert facts.numbers("The vote took place on March 25, 2024 in New York.") == []


def test_times_of_day_are_times_not_counts_of_a_unit():
    # "7:30 p.m." used to read as the numbers 7 and "30 p" (a count of "p").
    sentence = "Polls close at 7:30 p.m. on Tuesday and 3 people waited since 10am."
    assert [(m.value, m.unit) for m in facts.numbers(sentence)] == [(3.0, "person")]
    assert [d.value for d in facts.dates(sentence) if d.kind == "date:time"] == ["19:30", "10:00"]
    assert [d.value for d in facts.dates("It ended at 12 a.m., not 12 p.m.")] == ["00:00", "12:00"]
    assert facts.dates("He cast 5 amendments.") == []


@pytest.mark.parametrize("text, value", [
    ("on March 25, 2024", "2024-03-25"), ("on 25 March 2024", "2024-03-25"),
    ("on 2024-03-25", "2024-03-25"), ("on March 25", "03-25"), ("on Monday", "monday"),
    ("in 1945", "1945"),
])
def test_dates_normalise(text, value):
    (d,) = facts.dates(f"The council voted {text} after talks.")
    assert d.value == value


def test_a_year_before_a_comma_is_a_year_but_digits_grouped_by_commas_are_not():
    (d,) = facts.dates("Ardern, who has been in the role since 2017, was elected at 37.")
    assert (d.kind, d.value) == ("date:year", "2017")
    assert facts.dates("The fund paid 2017,500 dollars and 1,2019 shares.") == []


def test_hedged_and_rounded_numbers_agree_with_precise_ones():
    (a,) = facts.numbers("The death toll passed 32,000.")
    (b,) = facts.numbers("The death toll reached 32,414.")
    (c,) = facts.numbers("The death toll reached 40,414.")
    assert facts.values_agree(a, b) and not facts.values_agree(a, c)


def test_names_use_aliases_and_skip_the_sentence_start():
    got = facts.names("Officials said the U.S. and the United States and Israel's leader met.")
    assert got == [frozenset({"us"}), frozenset({"us"}), frozenset({"israel"})]
    assert facts.names_match(frozenset({"benjamin", "netanyahu"}), frozenset({"netanyahu"}))


def test_a_sentence_shown_cut_does_not_name_its_first_word():
    # A short answer's proof clipped at the start: "Diplomats" is no name, so
    # it cannot disagree with another outlet's "UN".
    clipped = "…Diplomats said the resolution was backed by 14 nations …"
    assert facts.names(clipped) == []
    assert facts.find_conflicts(clipped, "The resolution was backed by 14 nations at the UN.") == []


def test_one_name_splitter_keeps_full_names_links_and_hyphens():
    assert facts.people("Matthew Miller said so.") == [frozenset({"matthew", "miller"})]
    assert facts.people("So said Karine Jean-Pierre on Monday.") \
        == [frozenset({"karine", "jean-pierre"})]
    sentence = "Struggling Bed Bath & Beyond told former Mr Smith on Monday."
    assert [sentence[a:b] for a, b in facts.name_spans(sentence)] \
        == ["Bed Bath & Beyond", "Smith"]     # (a weekday alone is no name)


def test_unit_words_merge_inflections_and_synonyms():
    assert facts.term("backed") == facts.term("backs") == "back"
    assert facts.term("cancelled") == facts.term("canceled")
    assert facts.term("countries") == facts.term("nations") == facts.term("member") == "member"
    assert facts.term("killed") == facts.term("died") == "death"


def test_a_number_joined_to_a_name_is_not_a_quantity():
    assert [m.text for m in facts.numbers("More than 54% of sequenced COVID-19 cases.")] == ["54%"]


def test_a_number_before_a_comma_is_read():
    assert [m.value for m in facts.numbers("He said 14, not 15.")] == [14, 15]
    assert [m.value for m in facts.numbers("“14,” he said of the nations.")] == [14]
    assert [m.value for m in facts.numbers("It killed 1,200, officials said.")] == [1200]


def test_scale_written_into_the_number_is_its_value():
    (ten_k,) = facts.numbers("Microsoft will lay off 10K employees.")
    (ten_thousand,) = facts.numbers("Amazon will cut 10,000 employees.")
    assert ten_k.value == ten_thousand.value == 10_000 and facts.values_agree(ten_k, ten_thousand)


def test_a_ratio_is_not_a_count():
    assert facts.numbers("Nearly 2/3 of Southwest flights were canceled.") == []


def test_different_units_are_not_compared():
    assert facts.find_conflicts("The resolution was backed by 14 nations.",
                                "The resolution was backed by 3 ministers.") == []


def test_differing_dates_in_the_same_context_conflict():
    (c,) = facts.find_conflicts("The council voted on the ceasefire resolution on Monday.",
                                "The council voted on the ceasefire resolution on Tuesday.")
    assert c.kind == "date" and {c.value_a, c.value_b} == {"Monday", "Tuesday"}


def test_the_times_figures_were_read_at_do_not_conflict():
    # Each report stamps its own figures; "7,800" against "2,400" still conflicts.
    a = "More than 7,800 flights were delayed and 1,100 were canceled as of 1:30 p.m. ET."
    b = "More than 2,400 flights were delayed and 1,100 were canceled by 9 p.m. ET."
    assert [c.kind for c in facts.find_conflicts(a, b)] == ["number"]


def test_a_different_name_in_the_same_role_conflicts():
    (c,) = facts.find_conflicts(
        "The ceasefire resolution was drafted by Malta and put to a vote.",
        "The ceasefire resolution was drafted by Mozambique and put to a vote.")
    assert c.kind == "name" and {c.value_a, c.value_b} == {"Malta", "Mozambique"}


def test_rounded_number_with_hedge_does_not_conflict():
    assert facts.find_conflicts("The death toll passed 32,000, officials said.",
                                "The death toll reached 32,414, officials said.") == []


@pytest.mark.parametrize("a, b", [
    # a count and a count of something else
    ("Brady led the league in passing touchdowns (43) last season.",
     "Brady finished the season with 40 touchdown passes and 12 interceptions."),
    # two dates of the same subject that are different things
    ("The IRS said it would start accepting federal tax returns on Monday, January 24.",
     "The deadline to file federal income tax returns is Monday, April 18."),
    # the same unit, nothing else in common
    ("Spielberg has now produced 11 films nominated for best picture.",
     "The 10 films up for the producers' top prize are listed below."),
])
def test_values_of_different_things_do_not_conflict(a, b):
    assert facts.find_conflicts(a, b) == [] and facts.find_conflicts(b, a) == []


def test_percentages_of_different_things_do_not_conflict():
    # One shared word ("rose") is not enough to make two percentages one slot.
    assert facts.find_conflicts(
        "Turnout rose to 54% of voters in the city election, officials said.",
        "Support for the mayor rose to 61% in the city, a poll said.") == []


def test_a_sentence_opening_with_a_quotation_mark_does_not_name_its_first_word():
    # '“Diplomats said …”' starts with "Diplomats" as much as 'Diplomats said …'
    # does: no name, so no disagreement with another outlet's "UN".
    quoted = "“Diplomats said the resolution was backed by 14 nations.”"
    assert facts.names(quoted) == facts.names(quoted.strip("“”")) == []
    assert facts.find_conflicts(quoted, "The resolution was backed by 14 nations at the UN.") == []
    assert facts.names("“Diplomats met Kirby,” Smith said.") == [frozenset({"kirby"}),
                                                                   frozenset({"smith"})]


def test_words_capitalised_inside_a_sentence_are_known_names_not_sentence_starts():
    text = "Officials met Kirby in Washington. Talks resumed, Blinken said."
    assert facts.capitalised_inside(text) == {"Kirby", "Washington", "Blinken"}
    # Read once per passage and shared by its readers: nothing can change it.
    assert isinstance(facts.capitalised_inside(text), frozenset)
