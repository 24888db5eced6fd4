"""Evaluating word vectors on analogy and word-similarity files, with gensim 4's semantics.

Analogy questions are answered in batches: one matrix product scores many questions
against the vocabulary at once, instead of one ``most_similar`` call per question.

Vectors with int keys (node or item ids) read the files' words as ints: a token that is a
decimal integer (ASCII digits, an optional leading "-") is that int key, any other token is
out of vocabulary. ``case_insensitive`` has no effect on them.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypedDict

import numpy as np
import numpy.typing as npt

from fastw2v._fileio import open_input
from fastw2v._types import Key, PathType
from fastw2v.nearest import nearest
from fastw2v.parameters import check_count

if TYPE_CHECKING:
    from fastw2v.keyedvectors import KeyedVectors

#: An analogy question ``(a, b, c, expected)``: "a is to b as c is to expected".
Question = tuple[Key, Key, Key, Key]


class AnalogySection(TypedDict):
    """A section of :func:`evaluate_word_analogies`' result."""

    section: str
    correct: list[Question]
    incorrect: list[Question]

logger = logging.getLogger(__name__)

ANSWERS_CONSIDERED = 5  # gensim looks at the top 5 predictions, skipping question words


def _int_keyed(kv: KeyedVectors) -> bool:
    """Whether the keys of ``kv`` are ints."""
    first = next((key for key in kv.key_to_index if key is not None), None)
    return isinstance(first, (int, np.integer)) and not isinstance(first, bool)


def _int_token(token: str) -> Key:
    """``token`` as an int if it is a decimal integer, else as it is (an unknown word)."""
    token = token.strip()
    digits = token[1:] if token[:1] == "-" else token
    return int(token) if digits.isascii() and digits.isdecimal() else token


def _ok_vocab(kv: KeyedVectors, restrict_vocab: int | None,
              case_insensitive: bool) -> dict[Key, int]:
    """Map of (upper-cased) key -> row over the first ``restrict_vocab`` keys; first wins."""
    restrict_vocab = check_count(restrict_vocab, "restrict_vocab")
    ok_keys = kv.index_to_key[:restrict_vocab]
    if case_insensitive and not _int_keyed(kv):
        return {str(key).upper(): kv.get_index(key) for key in reversed(ok_keys)}
    return {key: kv.get_index(key) for key in reversed(ok_keys)}


def read_analogies(path: PathType, case_insensitive: bool = True,
                   int_keys: bool = False) -> list[tuple[str, list[tuple[int, Question]]]]:
    """Parse an analogy file into sections of questions.

    Lines ``: name`` start a section; other lines hold four words (lines with any other
    number of words are skipped, as in gensim). With ``int_keys``, words that are decimal
    integers are read as ints (others stay str) and ``case_insensitive`` is ignored.

    Returns
    -------
    list of (str, list of (int, tuple of 4 str or int))
        Section names with their ``(line_number, question)`` pairs.
    """
    sections: list[tuple[str, list[tuple[int, Question]]]] = []
    with open_input(path, "rb") as fin:
        for line_no, raw in enumerate(fin):
            try:
                line = raw.decode("utf8")
            except UnicodeDecodeError as err:
                raise ValueError("%s: line %d is not valid UTF-8 (%s)" % (path, line_no + 1, err)) from None
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            if not sections:
                raise ValueError("Missing section header before line #%i in %s" % (line_no, path))
            words = line.split()
            if len(words) != 4:
                logger.info("Skipping invalid line #%i in %s", line_no, path)
                continue
            keys: list[Key] = list(words)
            if int_keys:
                keys = [_int_token(word) for word in words]
            elif case_insensitive:
                keys = [word.upper() for word in words]
            sections[-1][1].append((line_no, (keys[0], keys[1], keys[2], keys[3])))
    return sections


def _analogy_query_vectors(kv: KeyedVectors,
                           rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """Unit query vectors ``b + c - a`` of unit key vectors, rounded as gensim rounds them."""
    assert kv.norms is not None
    unit = kv.vectors[rows] / kv.norms[rows][..., np.newaxis]  # (n, 3, dim): rows are a, b, c
    mean = unit[:, 1] + unit[:, 2]
    mean -= unit[:, 0]
    mean = mean.astype(np.float64) / 3.0
    lengths = np.linalg.norm(mean, axis=1, keepdims=True)
    lengths[lengths == 0] = 1.0
    return (mean * (1.0 / lengths)).astype(np.float32)


def _predictions(kv: KeyedVectors, rows: npt.NDArray[np.int64],
                 restrict_vocab: int | None) -> list[list[int]]:
    """Top candidate rows of each question (best first), as gensim's ``most_similar`` sees them.

    For each question, the ``5 + 3`` best rows of the first ``restrict_vocab`` are taken,
    the question's own rows (and zero-norm rows) removed, and the first five kept.
    """
    end = min(restrict_vocab, len(kv.vectors)) if restrict_vocab else len(kv.vectors)
    queries = _analogy_query_vectors(kv, rows)
    assert kv.norms is not None
    best, sims = nearest(queries, kv.vectors[:end], kv.norms[:end], ANSWERS_CONSIDERED + 3)
    predictions = []
    for question_rows, candidates, scores in zip(rows.tolist(), best.tolist(), sims.tolist()):
        kept = [i for i, score in zip(candidates, scores) if i not in question_rows and score > -np.inf]
        predictions.append(kept[:ANSWERS_CONSIDERED])
    return predictions


def _section_score(section: AnalogySection) -> float:
    correct, incorrect = len(section["correct"]), len(section["incorrect"])
    if correct + incorrect == 0:
        return 0.0
    score = correct / (correct + incorrect)
    logger.info("%s: %.1f%% (%i/%i)", section["section"], 100.0 * score, correct, correct + incorrect)
    return score


def evaluate_word_analogies(kv: KeyedVectors, analogies: PathType, restrict_vocab: int = 300000,
                            case_insensitive: bool = True, dummy4unknown: bool = False,
                            similarity_function: str = "most_similar",
                            ) -> tuple[float, list[AnalogySection]]:
    """Accuracy of ``kv`` on an analogy file ("a is to b as c is to d"), like gensim 4.

    Each question is answered by the 3CosAdd nearest key to ``b - a + c`` among the first
    ``restrict_vocab`` keys, the question words excluded.

    Parameters
    ----------
    kv : KeyedVectors
    analogies : str or os.PathLike
        File of four-word lines grouped by ``: section`` lines (e.g. questions-words.txt).
    restrict_vocab : int
        Only the first ``restrict_vocab`` keys are answers; questions with other words are OOV.
    case_insensitive : bool
        Upper-case the file's and the model's words (the first case variant of a key wins).
        With int keys, the file's words are read as ints instead (see the module notes).
    dummy4unknown : bool
        Count OOV questions as wrong instead of skipping them.
    similarity_function : str
        Only ``"most_similar"`` (3CosAdd), as in gensim.

    Returns
    -------
    score : float
        Overall accuracy.
    sections : list of dict
        Per section (and a final ``"Total accuracy"``): ``section``, ``correct`` and
        ``incorrect`` lists of 4-tuples.
    """
    if similarity_function != "most_similar":
        raise ValueError("similarity_function must be 'most_similar', got %r" % (similarity_function,))
    int_keys = _int_keyed(kv)
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)
    logger.info("Evaluating word analogies for top %i words in the model on %s",
                restrict_vocab, analogies)
    parsed = read_analogies(analogies, case_insensitive, int_keys)
    kv.fill_norms()

    questions = [question for _, section in parsed for _, question in section]
    if not questions:
        raise ValueError("no analogy questions found in %s" % (analogies,))
    known = [question for question in questions if all(word in ok_vocab for word in question)]
    rows = np.array([[ok_vocab[word] for word in question[:3]] for question in known],
                    dtype=np.int64).reshape(-1, 3)
    predictions = iter(_predictions(kv, rows, restrict_vocab))

    sections: list[AnalogySection] = []
    for name, numbered in parsed:
        section: AnalogySection = {"section": name, "correct": [], "incorrect": []}
        for _, question in numbered:
            a, b, c, expected = question
            if not all(word in ok_vocab for word in question):
                if dummy4unknown:
                    section["incorrect"].append(question)
                continue
            predicted: Key | None = None
            for row in next(predictions):
                key = kv.index_to_key[row]
                predicted = str(key).upper() if case_insensitive and not int_keys else key
                if predicted in ok_vocab and predicted not in (a, b, c):
                    break
            section["correct" if predicted == expected else "incorrect"].append(question)
        _section_score(section)
        sections.append(section)

    total_section: AnalogySection = {
        "section": "Total accuracy",
        "correct": [q for s in sections for q in s["correct"]],
        "incorrect": [q for s in sections for q in s["incorrect"]],
    }
    logger.info("Quadruplets with out-of-vocabulary words: %.1f%%",
                100.0 * (len(questions) - len(known)) / len(questions))
    if not dummy4unknown:
        logger.info("NB: analogies containing OOV words were skipped from evaluation! To change "
                    "this behavior, use \"dummy4unknown=True\"")
    score = _section_score(total_section)
    sections.append(total_section)
    return score, sections


def evaluate_word_pairs(kv: KeyedVectors, pairs: PathType, delimiter: str = "\t",
                        encoding: str = "utf8", restrict_vocab: int = 300000,
                        case_insensitive: bool = True, dummy4unknown: bool = False,
                        ) -> tuple[tuple[float, float], tuple[float, float], float]:
    """Correlation of ``kv``'s cosine similarities with human scores, like gensim 4.

    Parameters
    ----------
    kv : KeyedVectors
    pairs : str or os.PathLike
        Lines ``word1<delimiter>word2<delimiter>score``; ``#`` lines are comments and
        malformed lines are skipped.
    delimiter : str
    encoding : str
    restrict_vocab : int
        Only the first ``restrict_vocab`` keys count as known.
    case_insensitive : bool
        Upper-case the file's and the model's words (the first case variant wins). With
        int keys, the file's words are read as ints instead (a file of node id pairs works;
        see the module notes).
    dummy4unknown : bool
        Give pairs with OOV words similarity 0.0 instead of skipping them.

    Returns
    -------
    pearson : scipy PearsonRResult
        Pearson correlation and 2-tailed p-value.
    spearman : scipy SignificanceResult
        Spearman rank correlation and 2-tailed p-value.
    oov_ratio : float
        Percentage of pairs with an unknown word.
    """
    int_keys = _int_keyed(kv)
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)
    gold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    oov = 0
    with open_input(pairs, "r", encoding=encoding) as fin:
        for line_no, line in enumerate(fin):
            if not line or line.startswith("#"):
                continue
            a: Key
            b: Key
            try:
                first, second, score = line.split(delimiter)
                if int_keys:
                    a, b = _int_token(first), _int_token(second)
                elif case_insensitive:
                    a, b = first.upper(), second.upper()
                else:
                    a, b = first, second
                sim = float(score)
            except (ValueError, TypeError):
                logger.info("Skipping invalid line #%d in %s", line_no, pairs)
                continue
            if a not in ok_vocab or b not in ok_vocab:
                oov += 1
                if dummy4unknown:
                    gold.append(sim)
                    left.append(-1)
                    right.append(-1)
                else:
                    logger.info("Skipping line #%d with OOV words: %s", line_no, line.strip())
                continue
            gold.append(sim)
            left.append(ok_vocab[a])
            right.append(ok_vocab[b])
    if not gold:
        raise ValueError("No valid similarity judgements found in %s: either invalid format or "
                         "all are out-of-vocabulary in %s" % (pairs, kv))
    rows_a, rows_b = np.array(left), np.array(right)
    model = np.zeros(len(gold), dtype=np.float32)
    known = rows_a >= 0
    if known.any():
        kv.fill_norms()
        assert kv.norms is not None
        vec_a = kv.vectors[rows_a[known]] / kv.norms[rows_a[known], np.newaxis]
        vec_b = kv.vectors[rows_b[known]] / kv.norms[rows_b[known], np.newaxis]
        model[known] = np.einsum("ij,ij->i", vec_a, vec_b)
    from scipy import stats  # imported here: it takes most of a second, every import fastw2v

    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    oov_ratio = float(oov) / (len(gold) if dummy4unknown else len(gold) + oov) * 100
    logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
    logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs, spearman[0])
    logger.info("Pairs with unknown words ratio: %.1f%%", oov_ratio)
    return pearson, spearman, oov_ratio
