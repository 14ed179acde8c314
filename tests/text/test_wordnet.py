"""WordNet's nouns: which words name a kind of what a question asks for."""

from rag.text.wordnet import is_kind_of, lemma, load


def test_wordnet_ships_with_the_project():
    assert load()


def test_plurals_and_irregular_plurals_find_their_noun():
    assert lemma("eggs") == "egg"
    assert lemma("beavers") == "beaver"
    assert lemma("mice") == "mouse"
    assert lemma("great white sharks") == "great_white_shark"
    assert lemma("Zzyzxq") is None


def test_a_word_is_a_kind_of_the_nouns_above_it():
    assert is_kind_of("eggs", "food")
    assert is_kind_of("cauliflower", "vegetable")
    assert is_kind_of("great white shark", "creature")
    assert is_kind_of("Paris", "city")          # instances too
    assert not is_kind_of("government", "food")
    assert not is_kind_of("Ukraine", "food")


def test_a_noun_is_not_a_kind_of_itself_and_odd_text_is_nothing():
    assert not is_kind_of("food", "food")
    assert not is_kind_of("foods", "food")
    assert not is_kind_of("$4", "food")
    assert not is_kind_of("", "food")


def test_a_noun_written_in_the_plural_keeps_its_own_meanings():
    # "physics" is not only the plural of "physic" (a medicine), nor "shorts" of
    # "short": the word's own meanings count too.
    assert is_kind_of("physics", "science")
    assert is_kind_of("shorts", "clothing")
    assert is_kind_of("species", "taxon")
    assert is_kind_of("eggs", "food") and not is_kind_of("foods", "food")


def test_a_hyphen_can_be_wordnets_space():
    assert lemma("ice-creams") == "ice_cream"
    assert is_kind_of("ice-cream", "food")
    assert lemma("well-being") == "well-being"      # WordNet's own hyphen first


class _CountingLock:
    def __init__(self):
        self.taken = 0

    def __enter__(self):
        self.taken += 1

    def __exit__(self, *exc):
        return False


def test_once_read_a_question_takes_no_lock(monkeypatch):
    from rag.text import wordnet
    assert load()
    lock = _CountingLock()
    monkeypatch.setattr(wordnet, "_lock", lock)
    assert is_kind_of("eggs", "food") and lemma("eggs") == "egg" and load()
    assert lock.taken == 0


def test_threads_asking_at_once_read_wordnet_once(monkeypatch):
    import threading

    from rag.text import wordnet
    reads = []
    real = wordnet._Nouns
    monkeypatch.setattr(wordnet, "_Nouns", lambda folder: reads.append(folder) or real(folder))
    monkeypatch.setattr(wordnet, "_read", False)
    monkeypatch.setattr(wordnet, "_nouns", None)
    threads = [threading.Thread(target=is_kind_of, args=("eggs", "food")) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reads) == 1 and load()
