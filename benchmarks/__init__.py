"""Side-by-side benchmarks of fastw2v against gensim (``make bench``)."""
