"""Countries, US states and the adjectives that point to a country."""

from rag.text.places import country_of, place_kind


def test_country_of_reads_names_aliases_and_adjectives():
    assert country_of("China") == "china"
    assert country_of("Chinese") == "china"
    assert country_of("the US") == "united states"
    assert country_of("Britain") == "united kingdom"
    assert country_of("North Korean") == "north korea"
    assert country_of("Paris") is None


def test_place_kind_tells_states_from_countries():
    assert place_kind("Tennessee") == "state"
    assert place_kind("New Zealand") == "country"
    assert place_kind("Cornwall") is None
