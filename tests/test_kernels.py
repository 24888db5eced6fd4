"""The compiled kernels against a small numpy reference of the word2vec.c updates."""
import numpy as np
import pytest

from fastw2v import Word2Vec, _trainer, _words, losses, vocab

DIM, VOCAB, NEGATIVE_WORD = 37, 6, 5  # DIM: two 16-float vector steps and a tail
SENTENCE = [0, 1, 2, 3, 1]
BLOCK_INPUTS = 10  # a skip-gram block's most context rows (FW_BLOCK_INPUTS)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def clipped_sigmoid(f):
    return 1.0 if f >= 6 else 0.0 if f <= -6 else sigmoid(f)


def nll(label, f):
    return np.log1p(np.exp(-f)) if label else np.log1p(np.exp(f))


class Reference:
    """word2vec.c's sequential updates in float64 numpy."""

    def __init__(self, syn0, syn1neg, syn1, huffman, negative, hs, alpha):
        self.syn0, self.syn1neg, self.syn1 = (m.astype(np.float64) for m in (syn0, syn1neg, syn1))
        self.offsets, self.codes, self.points = huffman
        self.negative, self.hs, self.alpha = negative, hs, alpha
        self.loss = 0.0

    def predict(self, l1, target):
        grad = np.zeros(DIM)
        if self.hs:
            for k in range(self.offsets[target], self.offsets[target + 1]):
                l2 = self.syn1[self.points[k]]
                f = l1 @ l2
                label = 1 - int(self.codes[k])
                self.loss += nll(label, f)
                if abs(f) >= 6:
                    continue
                g = (label - sigmoid(f)) * self.alpha
                grad += g * l2
                l2 += g * l1
        if self.negative:
            for d in range(self.negative + 1):
                out, label = (target, 1) if d == 0 else (NEGATIVE_WORD, 0)
                if d and out == target:
                    continue
                l2 = self.syn1neg[out]
                f = l1 @ l2
                self.loss += nll(label, f)
                g = (label - clipped_sigmoid(f)) * self.alpha
                grad += g * l2
                l2 += g * l1
        return grad

    def block(self, block_in, outputs, labels, matrix, hs):
        """Every input row against every output row, all from the same old values."""
        block_out = matrix[outputs].copy()
        scores = block_in @ block_out.T
        self.loss += sum(nll(label, f) for row in scores for label, f in zip(labels, row))
        sig = np.vectorize(clipped_sigmoid)(scores)
        coef = (np.asarray(labels) - sig) * self.alpha
        if hs:
            coef[np.abs(scores) >= 6] = 0
        for o, row in enumerate(outputs):
            matrix[row] += coef[:, o] @ block_in
        return coef @ block_out

    def skip_gram_batched(self, sentence, window):
        for i in range(len(sentence)):
            inputs = [sentence[j] for j in range(max(0, i - window), min(len(sentence), i + window + 1))
                      if j != i]
            block_in = self.syn0[inputs].copy()
            grad = np.zeros_like(block_in)
            n_blocks = -(-len(inputs) // BLOCK_INPUTS)  # near-equal blocks, in window order
            for b in range(n_blocks):
                part = slice(b * len(inputs) // n_blocks, (b + 1) * len(inputs) // n_blocks)
                grad[part] = self.blocks(block_in[part], sentence[i])
            for a, word in enumerate(inputs):
                self.syn0[word] += grad[a]

    def blocks(self, block_in, target):
        """Hierarchical softmax then negative sampling blocks; the summed input gradient."""
        grad = np.zeros_like(block_in)
        if self.hs:
            path = range(self.offsets[target], self.offsets[target + 1])
            grad += self.block(block_in, [self.points[k] for k in path],
                               [1 - int(self.codes[k]) for k in path], self.syn1, True)
        if self.negative:
            outputs = [target] + [NEGATIVE_WORD] * self.negative * (target != NEGATIVE_WORD)
            grad += self.block(block_in, outputs, [1] + [0] * (len(outputs) - 1), self.syn1neg,
                               False)
        return grad

    def cbow_batched(self, sentence, window, mean):
        for i in range(len(sentence)):
            context = [sentence[j] for j in range(max(0, i - window), min(len(sentence), i + window + 1))
                       if j != i]
            hidden = self.syn0[context].sum(axis=0) / (len(context) if mean else 1)
            grad = self.blocks(hidden[None, :], sentence[i])[0]
            for word in context:
                self.syn0[word] += grad if mean else grad / len(context)

    def skip_gram(self, sentence, window):
        for i in range(len(sentence)):
            for j in range(max(0, i - window), min(len(sentence), i + window + 1)):
                if j != i:
                    l1 = self.syn0[sentence[j]]
                    l1 += self.predict(l1, sentence[i])

    def cbow(self, sentence, window, mean):
        for i in range(len(sentence)):
            context = [sentence[j] for j in range(max(0, i - window), min(len(sentence), i + window + 1))
                       if j != i]
            hidden = self.syn0[context].sum(axis=0)
            if mean:
                hidden /= len(context)
            grad = self.predict(hidden, sentence[i])
            for word in context:
                self.syn0[word] += grad if mean else grad / len(context)


def run_kernel(sg, hs, negative, cbow_mean=1, window=2, alpha=0.1, batched=0, sentence=SENTENCE):
    rng = np.random.default_rng(7)
    syn0 = rng.uniform(-0.5, 0.5, (VOCAB, DIM)).astype(np.float32)
    syn1neg = rng.uniform(-0.5, 0.5, (VOCAB, DIM)).astype(np.float32)
    syn1 = rng.uniform(-0.5, 0.5, (VOCAB, DIM)).astype(np.float32)
    counts = np.array([9, 7, 5, 3, 2, 1])
    tree = losses.HierarchicalSoftmax(counts)
    reference = Reference(syn0, syn1neg, syn1, (tree.offsets, tree.codes, tree.points),
                          negative, hs, alpha)
    keep_all = np.full(VOCAB, 2 ** 32, dtype=np.uint64)
    sampling = losses.NegativeSampling(counts, negative) if negative else None
    if negative:
        # every bucket defers to its alias, so every negative draw is NEGATIVE_WORD
        sampling.prob = np.zeros(VOCAB, dtype=np.uint32)
        sampling.index = np.full(VOCAB, NEGATIVE_WORD, dtype=np.int32)
    kernel = _trainer.TrainingKernel(_trainer.KernelConfig(
        syn0=syn0, keep_threshold=keep_all, sg=sg, window=window, cbow_mean=cbow_mean,
        shrink_windows=0, batched=batched, negative_sampling=sampling, syn1neg=syn1neg,
        hierarchical_softmax=tree if hs else None, syn1=syn1))
    worker = _trainer.WorkerState(DIM, 1)
    ids = np.array(sentence, dtype=np.int32)
    trained = kernel.train_batch(worker, ids, np.array([len(ids)], dtype=np.int64), alpha, alpha, True)
    assert trained == len(sentence)
    if sg and batched:
        reference.skip_gram_batched(sentence, window)
    elif batched:
        reference.cbow_batched(sentence, window, cbow_mean)
    elif sg:
        reference.skip_gram(sentence, window)
    else:
        reference.cbow(sentence, window, cbow_mean)
    return (syn0, syn1neg, syn1, worker.take_tallies()[1]), reference


@pytest.mark.parametrize("sg", [1, 0])
@pytest.mark.parametrize("hs,negative", [(0, 2), (1, 0), (1, 3)])
def test_kernel_updates_match_reference(sg, hs, negative):
    (syn0, syn1neg, syn1, loss), ref = run_kernel(sg, hs, negative)
    np.testing.assert_allclose(syn0, ref.syn0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(syn1neg, ref.syn1neg, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(syn1, ref.syn1, rtol=1e-4, atol=1e-5)
    assert loss == pytest.approx(ref.loss, rel=1e-5)


@pytest.mark.parametrize("sg,cbow_mean", [(1, 1), (0, 1), (0, 0)])
@pytest.mark.parametrize("hs,negative", [(0, 2), (1, 0), (1, 3), (0, 4)])
def test_batched_kernels_match_block_reference(sg, cbow_mean, hs, negative):
    (syn0, syn1neg, syn1, loss), ref = run_kernel(sg, hs, negative, cbow_mean, batched=1)
    np.testing.assert_allclose(syn0, ref.syn0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(syn1neg, ref.syn1neg, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(syn1, ref.syn1, rtol=1e-4, atol=1e-5)
    assert loss == pytest.approx(ref.loss, rel=1e-5)


@pytest.mark.parametrize("hs,negative", [(0, 2), (1, 0), (1, 3)])
def test_wide_skip_gram_windows_train_in_blocks_of_ten_rows(hs, negative):
    # window 8: up to 16 context rows, trained as two blocks of up to 8, one after the other
    sentence = [0, 1, 2, 3, 1, 4, 0, 2, 3, 1, 0, 4, 2, 1, 3, 0, 2, 1]
    (syn0, syn1neg, syn1, loss), ref = run_kernel(1, hs, negative, window=8, alpha=0.05,
                                                  batched=1, sentence=sentence)
    np.testing.assert_allclose(syn0, ref.syn0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(syn1neg, ref.syn1neg, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(syn1, ref.syn1, rtol=1e-4, atol=1e-5)
    assert loss == pytest.approx(ref.loss, rel=1e-5)


def test_cbow_sum_divides_the_gradient_among_context_words():
    (syn0, syn1neg, _, _), ref = run_kernel(0, 0, 2, cbow_mean=0)
    np.testing.assert_allclose(syn0, ref.syn0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(syn1neg, ref.syn1neg, rtol=1e-4, atol=1e-5)


def train_with_top_nodes(sg, batched, top_nodes, n_workers, n_words=2000, n_batches=4,
                         n_vocab=50, dim=16):
    """Train random sentences with the hierarchical-softmax kernels, the batches taken in
    turn by ``n_workers`` worker states (one after another: deterministic)."""
    rng = np.random.default_rng(3)
    syn0 = rng.uniform(-0.5, 0.5, (n_vocab, dim)).astype(np.float32) / dim
    syn1 = np.zeros((n_vocab, dim), np.float32)
    counts = np.sort(rng.integers(1, 1000, n_vocab))[::-1]
    keep = np.full(n_vocab, 2 ** 32, dtype=np.uint64)
    kernel = _trainer.TrainingKernel(_trainer.KernelConfig(
        syn0=syn0, keep_threshold=keep, sg=sg, window=4, batched=batched,
        hierarchical_softmax=losses.HierarchicalSoftmax(counts), syn1=syn1, top_nodes=top_nodes,
        top_sync=37))
    workers = [_trainer.WorkerState(dim, 11 + k) for k in range(n_workers)]
    for b in range(n_batches):
        ids = rng.integers(0, n_vocab, n_words).astype(np.int32)
        ends = np.array([n_words // 2, n_words], np.int64)
        kernel.train_batch(workers[b % n_workers], ids, ends, 0.05, 0.01, False)
    return syn0, syn1


@pytest.mark.parametrize("sg", [1, 0])
@pytest.mark.parametrize("batched", [1, 0])
@pytest.mark.parametrize("top_nodes", [1, 8, 49])
@pytest.mark.parametrize("n_workers", [1, 2])
def test_top_huffman_node_copies_merge_exactly(sg, batched, top_nodes, n_workers):
    # Each worker trains the top Huffman nodes in its own copy and merges it into syn1
    # every top_sync (here 37) predictions and at the end of each batch. Batches of many
    # merge intervals, trained one at a time: every merge must hand on exactly what was
    # trained, as if there were no copies.
    plain = train_with_top_nodes(sg, batched, 0, n_workers)
    copied = train_with_top_nodes(sg, batched, top_nodes, n_workers)
    for with_copies, without in zip(copied, plain):
        np.testing.assert_array_equal(with_copies, without)
    root = plain[1][48]  # 50 words: inner nodes 0..48, the root last
    assert np.abs(root).sum() > 0


def test_kernel_refuses_top_nodes_outside_the_huffman_tree():
    counts = np.arange(50, 0, -1)  # 50 words: 49 inner nodes
    syn0 = np.zeros((50, 4), np.float32)

    def kernel(top_nodes, hs=True, top_sync=64):
        return _trainer.TrainingKernel(_trainer.KernelConfig(
            syn0=syn0, keep_threshold=np.full(50, 2 ** 32, np.uint64),
            negative_sampling=None if hs else losses.NegativeSampling(counts, 2),
            syn1neg=syn0.copy(), hierarchical_softmax=losses.HierarchicalSoftmax(counts) if hs
            else None, syn1=syn0.copy(), top_nodes=top_nodes, top_sync=top_sync))

    assert kernel(49).top_nodes == 49
    assert kernel(0).top_nodes == 0
    for top_nodes in (-1, 50):
        with pytest.raises(ValueError, match="top_nodes"):
            kernel(top_nodes)
    with pytest.raises(ValueError, match="top_nodes"):
        kernel(1, hs=False)
    with pytest.raises(ValueError, match="top_sync must be >= 1"):
        kernel(8, top_sync=0)


def test_kernel_needs_a_loss():
    syn0 = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match="no loss"):
        _trainer.TrainingKernel(_trainer.KernelConfig(syn0=syn0,
                                                keep_threshold=np.full(3, 2 ** 32, np.uint64)))


@pytest.mark.parametrize("workers,hs,sg,expected", [(2, 1, 0, 58), (2, 1, 1, 32), (1, 1, 0, 0),
                                                   (3, 0, 0, 0)])
def test_word2vec_copies_top_nodes_with_several_workers_and_hs(workers, hs, sg, expected):
    sentences = [["w%d" % (i % 60) for i in range(j, j + 20)] for j in range(40)]
    model = Word2Vec(sentences, vector_size=8, min_count=1, hs=hs, negative=0 if hs else 5,
                     sg=sg, workers=workers, epochs=1, progress=False)
    assert model._training_kernel().top_nodes == expected


def tiny_kernel():
    """A skip-gram NS kernel over 3 words of 4 dimensions, and a worker state for it."""
    syn0 = np.zeros((3, 4), dtype=np.float32)
    kernel = _trainer.TrainingKernel(_trainer.KernelConfig(
        syn0=syn0, keep_threshold=np.full(3, 2 ** 32, np.uint64), sg=1, window=2,
        negative_sampling=losses.NegativeSampling(np.ones(3), 1), syn1neg=syn0.copy()))
    return kernel, _trainer.WorkerState(4, 1)


def test_kernel_rejects_out_of_range_ids():
    kernel, worker = tiny_kernel()
    with pytest.raises(ValueError, match="out of range"):
        kernel.train_batch(worker, np.array([0, 3], np.int32), np.array([2], np.int64), 0.1, 0.1, False)
    with pytest.raises(ValueError, match="cover"):
        kernel.train_batch(worker, np.array([0, 1], np.int32), np.array([1], np.int64), 0.1, 0.1, False)


def test_kernel_entry_points_reject_none():
    kernel, worker = tiny_kernel()
    with pytest.raises(TypeError, match="WorkerState"):
        kernel.train_batch(None, np.array([0, 1], np.int32), np.array([2], np.int64), 0.1, 0.1, False)
    with pytest.raises(TypeError, match="WorkerState"):
        kernel.train_file_range(None, _words.WordHash(["a"]), "corpus.txt", 0, 10, 0.1, 0.1, False)
    with pytest.raises(TypeError, match="WordHash"):
        kernel.train_file_range(worker, None, "corpus.txt", 0, 10, 0.1, 0.1, False)
    with pytest.raises(TypeError, match="WordHash"):
        _words.sentences_to_ids([["a"]], None)


def test_keep_thresholds_follow_word2vec_formula():
    counts = np.array([1000, 100, 10, 1])
    sample = 0.01
    thresholds = vocab.keep_thresholds(counts, sample)
    threshold_count = sample * counts.sum()
    expected = np.minimum((np.sqrt(counts / threshold_count) + 1) * threshold_count / counts, 1)
    np.testing.assert_allclose(thresholds / 2 ** 32, expected, rtol=1e-9)
    assert np.all(vocab.keep_thresholds(counts, 0) == 2 ** 32)
