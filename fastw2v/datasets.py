"""Evaluation data shipped with fastw2v: the Google analogy set and WordSim-353."""
from __future__ import annotations

import os

_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def questions_words_path() -> str:
    """Path of ``questions-words.txt``, the Google analogy test set (19,544 questions)."""
    return os.path.join(_DATA, "questions-words.txt")


def wordsim353_path() -> str:
    """Path of ``wordsim353.tsv``, WordSim-353 word pairs with human similarity scores."""
    return os.path.join(_DATA, "wordsim353.tsv")
