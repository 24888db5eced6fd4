"""Type stubs of the compiled module ``_phrased_text.pyx``: phrases joined as the compiled
text layer reads a file."""
from fastw2v._reading import SentenceTransform
from fastw2v._words import WordHash
from fastw2v.phrases import FrozenPhrases, Phrases

class PhraseFeed(SentenceTransform):
    """A phrase model's phrases, applied to sentences of words read by the text layer."""

    def __init__(self, model: Phrases | FrozenPhrases, vocabulary: WordHash | None = None) -> None: ...
    def counts(self) -> dict[str, int]: ...
