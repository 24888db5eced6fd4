"""fastw2v: fast word2vec with a gensim-compatible API."""
from fastw2v import cpu  # noqa: F401  (picks the kernels' instruction set: FASTW2V_CPU_VARIANT)
from fastw2v._config import show_config
from fastw2v._version import __version__
from fastw2v.corpora import LineSentence, PathLineSentences, Text8Corpus
from fastw2v.keyedvectors import KeyedVectors
from fastw2v.phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phrases
from fastw2v.sequences import IntSequences
from fastw2v.word2vec import Word2Vec

__all__ = ["ENGLISH_CONNECTOR_WORDS", "FrozenPhrases", "IntSequences", "KeyedVectors",
           "LineSentence", "PathLineSentences", "Phrases", "Text8Corpus", "Word2Vec",
           "show_config", "__version__"]
