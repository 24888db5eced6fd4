"""What compiled counting and training read from a reader's CompiledSource, and what
iterating the reader in Python gives, to compare them."""
from fastw2v import _reading, _testing, _words


def _split(ids, ends):
    return [ids[a:b].tolist() for a, b in zip([0, *ends[:-1]], ends)]


def sentences_from_ranges(source, words, bounds):
    """``(sentences, raw words, raw sentences)`` of the byte ranges ``bounds[i]:bounds[i+1]``
    of the source's first file, read as training reads them."""
    sentences, raw_words, raw_sentences = [], 0, 0
    for start, end in zip(bounds[:-1], bounds[1:]):
        ids, ends, raw, n = _testing.read_file_range(words, source.paths[0], start, end,
                                                   source.max_sentence_length, source.by_line)
        sentences += _split(ids, ends)
        raw_words, raw_sentences = raw_words + raw, raw_sentences + n
    return sentences, raw_words, raw_sentences


def sentences_from_stream(source, words):
    """``(sentences, raw words, raw sentences)`` of the source's files read as a stream
    (with its phrases joined, if any)."""
    sentences, raw_words, raw_sentences = [], 0, 0
    transform = None if source.phrases is None else source.transform(words)
    for path in source.paths:
        stream = _reading.TextStream(None if transform else words, source.max_sentence_length,
                                   source.by_line, path, transform)
        for chunk, last in source.chunks(path):
            ids, ends, raw, n = stream.ids(chunk, last)
            sentences += _split(ids, ends)
            raw_words, raw_sentences = raw_words + raw, raw_sentences + n
    return sentences, raw_words, raw_sentences


def python_scan(corpus):
    """``({word: count}, sentences, words)`` of iterating ``corpus`` in Python."""
    counts, sentences, total = {}, 0, 0
    for sentence in corpus:
        sentences += 1
        total += len(sentence)
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    return counts, sentences, total


def assert_stream_reads(source, python):
    """Reading ``source`` as a stream gives ``python`` (the reader's sentences, iterated):
    the same sentences (as ids of a vocabulary of every other word) and the same tallies."""
    known = sorted(python_scan(python)[0])[::2]
    index = {w: i for i, w in enumerate(known)}
    expected = [[index[w] for w in s if w in index] for s in python]
    sentences, raw_words, raw_sentences = sentences_from_stream(source, _words.WordHash(known))
    assert sentences == [s for s in expected if s]
    assert (raw_words, raw_sentences) == (sum(map(len, python)), len(python))
