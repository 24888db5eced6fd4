"""Interrupt training with SIGINT at random moments; after each interrupt, save, load and resume.

Each round starts a child process that builds a model and starts training (a text file in
compiled mode, a ``LineSentence`` or a list of sentences, in turn); the parent sends SIGINT
at a random moment during training. The child then checks that no worker thread is left,
saves the model, loads it, resumes the run to its end and checks the result. A round fails
when the child dies by a signal, hangs, or any check fails.

Usage: ``python tools/interrupt_loop.py [--rounds 50] [--seed 0]`` (``make interrupt-loop``).
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import signal, sys, threading
import numpy as np
from fastw2v import LineSentence, Word2Vec

signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
path, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
EPOCHS = 8  # a few seconds of training: time for the signal to land in it
model = Word2Vec(vector_size=32, min_count=1, workers=2, epochs=EPOCHS, progress=False)
if mode == "file":
    model.build_vocab(corpus_file=path)
    arguments = dict(corpus_file=path, total_words=model.corpus_total_words)
else:
    corpus = LineSentence(path) if mode == "reader" else list(LineSentence(path))
    model.build_vocab(corpus)
    arguments = dict(corpus_iterable=corpus, total_examples=model.corpus_count)
print("ready", flush=True)
try:
    model.train(epochs=EPOCHS, **arguments)
    outcome = "finished"
except KeyboardInterrupt:
    outcome = "interrupted"
signal.signal(signal.SIGINT, signal.SIG_IGN)  # a late signal must not hit the checks below
left = [t.name for t in threading.enumerate() if t.name == "fastw2v-worker" and t.is_alive()]
assert not left, "worker threads still alive after train() returned: %r" % left
snapshot = model.wv.vectors.copy()
model.save(out)
assert np.array_equal(model.wv.vectors, snapshot), "the vectors changed after the interrupt"
resumed = Word2Vec.load(out)
assert np.array_equal(resumed.wv.vectors, snapshot), "the saved vectors differ"
resumed.train(epochs=EPOCHS, **arguments)
assert resumed.train_state["completed"] == EPOCHS, resumed.train_state
assert np.isfinite(resumed.wv.vectors).all(), "non-finite vectors after resuming"
print(outcome, flush=True)
"""


def write_corpus(path, words=4_000_000, seed=0):
    """A Zipf-distributed corpus of about ``words`` words, 20 to a line."""
    rng = random.Random(seed)
    vocabulary = ["w%d" % i for i in range(5000)]
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]
    with open(path, "w") as out:
        for _ in range(words // 20):
            out.write(" ".join(rng.choices(vocabulary, weights, k=20)) + "\n")


def one_round(corpus, mode, delay, workdir, timeout=300):
    """Run one child, interrupt it after ``delay`` seconds of training; returns its outcome."""
    out = os.path.join(workdir, "model.fw2v")
    child = subprocess.Popen([sys.executable, "-c", CHILD, corpus, mode, out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if child.stdout.readline().strip() != "ready":
        child.kill()
        return "failed: " + child.communicate()[1].strip().splitlines()[-1:][0]
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        return "hung"
    if child.returncode < 0:
        return "killed by signal %d" % -child.returncode
    if child.returncode:
        return "failed: " + (stderr.strip().splitlines() or ["exit %d" % child.returncode])[-1]
    return stdout.strip().splitlines()[-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-delay", type=float, default=1.5,
                        help="latest moment of the interrupt, in seconds of training")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    tally = {}
    with tempfile.TemporaryDirectory() as workdir:
        corpus = os.path.join(workdir, "corpus.txt")
        write_corpus(corpus)
        for number in range(args.rounds):
            mode = ("file", "reader", "list")[number % 3]
            delay = rng.uniform(0.0, args.max_delay)
            outcome = one_round(corpus, mode, delay, workdir)
            tally[outcome] = tally.get(outcome, 0) + 1
            print("round %2d  %-6s  SIGINT after %.2fs  %s" % (number + 1, mode, delay, outcome),
                  flush=True)
    failures = sum(n for outcome, n in tally.items() if outcome not in ("interrupted", "finished"))
    print("%d rounds: %s; %d failures" % (args.rounds, ", ".join(
        "%s %d" % item for item in sorted(tally.items())), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
