"""fastw2v: fast word2vec with a gensim-compatible API."""
from fastw2v._config import show_config
from fastw2v._version import __version__
from fastw2v.keyedvectors import KeyedVectors

__all__ = ["KeyedVectors", "show_config", "__version__"]
