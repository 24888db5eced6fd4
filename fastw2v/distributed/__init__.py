"""Distributed training on a Dask cluster: one model replica per worker, synchronised by
the rows they change.

Needs the optional extra ``fastw2v[dask]`` (``dask[distributed]``); see
``docs/distributed.md``.

>>> from dask.distributed import Client  # doctest: +SKIP
>>> from fastw2v import distributed
>>> model = distributed.train(Client(), "corpus.txt", sg=1, workers=2)  # doctest: +SKIP
"""
from fastw2v.distributed.driver import train

__all__ = ["train"]
