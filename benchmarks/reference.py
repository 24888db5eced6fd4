"""Reference figures measured outside this harness (issue #6), shown beside its tables.

Measured on the benchmark machine (2 cores, AMD EPYC, AVX-512), corpus
``enwiki2015-text8like``, dim 100, window 5, negative 5, sample 1e-3, 1 epoch, 2 threads, raw
corpus words per second of training. They are not re-measured by ``make bench``.
"""

LABEL = "Reference, issue #6, not measured in this run"

COLUMNS = ["trainer", "sg-ns words/s", "cbow-ns words/s", "sg-ns analogy 30k", "sg-ns WS-353"]

ROWS = [
    {"trainer": "gensim 4.4", "sg-ns words/s": "0.34M", "cbow-ns words/s": "1.05M",
     "sg-ns analogy 30k": "14.3%", "sg-ns WS-353": "0.46"},
    {"trainer": "word2vec.c (-O3 -march=native)", "sg-ns words/s": "0.17M",
     "cbow-ns words/s": "about 0.85M", "sg-ns analogy 30k": "12.9%", "sg-ns WS-353": "0.46"},
    {"trainer": "fastText 0.9.3 (no subwords)", "sg-ns words/s": "about 0.18M",
     "cbow-ns words/s": "about 1.0M", "sg-ns analogy 30k": "15.8% (lr 0.05)",
     "sg-ns WS-353": "0.54"},
    {"trainer": "pWord2Vec, HogBatch (g++ + OpenBLAS)", "sg-ns words/s": "1.61M",
     "cbow-ns words/s": "n/a", "sg-ns analogy 30k": "14.0%", "sg-ns WS-353": "0.51"},
]
