"""Vocabulary: counting words, choosing the vocabulary, and the tables training draws from.

Everything here follows gensim 4's ``Word2Vec`` semantics: ``min_count``, ``max_vocab_size``
pruning, ``max_final_vocab``, ``trim_rule``, ``sorted_vocab``, frequent-word subsampling
and the unigram**0.75 negative-sampling distribution, and a Huffman tree for hierarchical
softmax.
"""
import concurrent.futures
import heapq
import logging
import types

import numpy as np

from fastw2v import _vocab

logger = logging.getLogger(__name__)

RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2
SCAN_BATCH_WORDS = 1 << 16  # words a batch handed to the counting thread


def check_reiterable(corpus, name="corpus_iterable"):
    """Raise TypeError when ``corpus`` can be iterated only once (a generator or iterator)."""
    if isinstance(corpus, types.GeneratorType) or iter(corpus) is corpus:
        raise TypeError(
            "%s is a one-shot %s, but training needs several passes over the corpus (one to "
            "build the vocabulary and one per epoch). Pass a restartable iterable instead: a "
            "list, a fastw2v.corpora reader such as LineSentence, or a class whose __iter__ "
            "returns a fresh generator." % (name, type(corpus).__name__))


def unencodable_token_error(err):
    """The ValueError to raise for a token that cannot be stored as UTF-8 (a lone surrogate).

    Parameters
    ----------
    err : UnicodeEncodeError
        Raised while encoding the token (``err.object``).
    """
    return ValueError("token %r cannot be encoded as UTF-8 (%s at position %d); clean the "
                      "corpus, or decode it with errors='replace' rather than 'surrogateescape'"
                      % (err.object, err.reason, err.start))


def _counting(add, sentences):
    """``add(sentences)`` (a WordCounter method), a token that is not UTF-8 text a ValueError."""
    try:
        add(sentences)
    except UnicodeEncodeError as err:
        raise unencodable_token_error(err) from None


def keep_vocab_item(word, count, min_count, trim_rule=None):
    """Whether ``word`` stays in the vocabulary (gensim's ``utils.keep_vocab_item``)."""
    default = count >= min_count
    if trim_rule is None:
        return default
    rule = trim_rule(word, count, min_count)
    if rule == RULE_KEEP:
        return True
    if rule == RULE_DISCARD:
        return False
    return default


def prune_counts(counts, min_reduce, trim_rule=None):
    """Drop words with count < ``min_reduce`` (gensim's ``utils.prune_vocab``), in place."""
    for word in [w for w, c in counts.items() if not keep_vocab_item(w, c, min_reduce, trim_rule)]:
        del counts[word]


def scan_iterable(corpus, max_vocab_size=None, trim_rule=None, progress_per=10000):
    """Count the words of an iterable of sentences.

    fastw2v's readers, which describe their text with ``compiled_source()``, are counted in
    compiled code (with their phrases, unless pruning; pruning with a ``trim_rule`` is done
    in Python).

    Returns
    -------
    (dict, int, int)
        ``{word: count}``, the number of sentences and the number of words.

    Raises
    ------
    ValueError
        A token cannot be encoded as UTF-8 (it holds a lone surrogate such as ``'\\ud800'``).
    """
    source = getattr(corpus, "compiled_source", lambda: None)()
    if source is not None and (not max_vocab_size
                               or (trim_rule is None and source.phrases is None)):
        return source.count(max_vocab_size)
    counter = _vocab.WordCounter()
    if max_vocab_size:
        _count_pruning(counter, corpus, max_vocab_size, trim_rule, progress_per)
    else:
        _count_pipelined(counter, corpus, progress_per)
    return counter.as_dict(), counter.sentences, counter.total_words


def _log_progress(sentence_no, counter):
    logger.info("PROGRESS: at sentence #%i, processed %i words, keeping %i word types",
                sentence_no, counter.total_words, len(counter))


def _count_pipelined(counter, corpus, progress_per):
    """Count batches in a second thread (without the GIL) while this one reads the next."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="fastw2v-count") as pool:
        pending, batch, batch_words = None, [], 0
        for sentence_no, sentence in enumerate(corpus):
            if progress_per and sentence_no % progress_per == 0 and sentence_no:
                _log_progress(sentence_no, counter)
            if type(sentence) is not list:
                sentence = _vocab.check_sentence(sentence)
            batch.append(sentence)
            batch_words += len(sentence)
            if batch_words >= SCAN_BATCH_WORDS:
                if pending is not None:
                    pending.result()
                pending = pool.submit(_counting, counter.add_batch, batch)
                batch, batch_words = [], 0
        if pending is not None:
            pending.result()
        _counting(counter.add_batch, batch)


def _count_pruning(counter, corpus, max_vocab_size, trim_rule, progress_per):
    """Count sentence by sentence, pruning as gensim does whenever the vocabulary grows
    past ``max_vocab_size``."""
    min_reduce = 1
    for sentence_no, sentence in enumerate(corpus):
        if progress_per and sentence_no % progress_per == 0 and sentence_no:
            _log_progress(sentence_no, counter)
        _counting(counter.add_sentence, sentence)
        if len(counter) > max_vocab_size:
            if trim_rule is None:
                counter.prune(min_reduce)
            else:
                counts = counter.as_dict()
                prune_counts(counts, min_reduce, trim_rule)
                counter.replace(counts)
            min_reduce += 1


def effective_min_count(raw_counts, min_count, max_final_vocab=None):
    """The ``min_count`` that also keeps the vocabulary within ``max_final_vocab`` words."""
    if max_final_vocab is None or max_final_vocab >= len(raw_counts):
        return min_count
    ordered = sorted(raw_counts.values(), reverse=True)
    return max(ordered[max_final_vocab] + 1, min_count)


def select_words(raw_counts, min_count, trim_rule=None):
    """The words (in first-seen order) that survive ``min_count`` and ``trim_rule``."""
    return [w for w, c in raw_counts.items() if keep_vocab_item(w, c, min_count, trim_rule)]


def descending_frequency_order(counts):
    """Permutation sorting by descending count, ties as gensim breaks them."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.lexsort((-np.arange(len(counts)), -counts))


def keep_thresholds(counts, sample):
    """Subsampling thresholds: word ``w`` is kept when a 32-bit random number is below ``t[w]``.

    The keep probability is word2vec.c's ``(sqrt(f / (s*N)) + 1) * (s*N) / f``, capped at 1.
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if not sample:
        threshold_count = total
    elif sample < 1.0:
        threshold_count = sample * total
    else:
        threshold_count = np.floor(sample * (3 + np.sqrt(5)) / 2)  # gensim's int(), inf-safe
    with np.errstate(divide="ignore"):
        keep = (np.sqrt(counts / threshold_count) + 1) * (threshold_count / counts)
    keep = np.minimum(np.nan_to_num(keep, nan=1.0, posinf=1.0), 1.0)
    return np.round(keep * 2.0 ** 32).astype(np.uint64)


def alias_table(counts, ns_exponent=0.75):
    """Walker's alias table for drawing negatives from ``counts ** ns_exponent`` in O(1).

    Returns
    -------
    (ndarray of uint32, ndarray of int32)
        For bucket ``i`` (drawn uniformly): keep ``i`` when a 32-bit random number is below
        ``prob[i]``, else take ``alias[i]``.
    """
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    n = len(weights)
    scaled = weights * (n / weights.sum())
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    prob = np.minimum(np.round(prob * 2.0 ** 32), 2.0 ** 32 - 1)
    return prob.astype(np.uint32), alias


def huffman_codes(counts):
    """Huffman codes of every word, as gensim and word2vec.c build them.

    Returns
    -------
    (ndarray of int64, ndarray of uint8, ndarray of int32)
        ``offsets`` (length ``n + 1``), and ``codes``/``points`` where word ``w``'s path from
        the root is ``codes[offsets[w]:offsets[w + 1]]`` through inner nodes ``points[...]``
        (row numbers in ``syn1``).
    """
    n = len(counts)
    if n < 2:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, np.uint8), np.zeros(0, np.int32)
    heap = [(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = np.zeros(2 * n - 1, dtype=np.int64)
    bit = np.zeros(2 * n - 1, dtype=np.uint8)
    for inner in range(n - 1):
        count1, node1 = heapq.heappop(heap)
        count2, node2 = heapq.heappop(heap)
        node = n + inner
        parent[node1], parent[node2] = node, node
        bit[node2] = 1
        heapq.heappush(heap, (count1 + count2, node))
    root = 2 * n - 2
    # depth of every node, top-down: an inner node is always created after its children
    depth = np.zeros(2 * n - 1, dtype=np.int64)
    for node in range(root - 1, -1, -1):
        depth[node] = depth[parent[node]] + 1
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(depth[:n], out=offsets[1:])
    codes = np.empty(offsets[-1], dtype=np.uint8)
    points = np.empty(offsets[-1], dtype=np.int32)
    # climb from all leaves at once, writing each path from its end back to its start
    node = np.arange(n)
    position = offsets[1:] - 1
    active = node != root
    while active.any():
        node, position = node[active], position[active]
        codes[position] = bit[node]
        points[position] = parent[node] - n
        node = parent[node]
        position = position - 1
        active = node != root
    return offsets, codes, points
