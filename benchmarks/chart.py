"""The training-throughput chart: words/s per mode, implementations as side-by-side bars."""
import os

#: Bar colour of each implementation, the same in every chart.
COLOURS = {"fastw2v": "tab:orange", "gensim": "tab:blue"}


def plot_words_per_second(rows, path, title):
    """Save a grouped bar chart of ``words_per_second`` to ``path`` (PNG).

    Parameters
    ----------
    rows : list of dict
        Summary rows of :func:`benchmarks.compare.summarize` (``impl``, ``mode``, ``workers``,
        ``words_per_second``, ``analogy`` and, for non-gensim rows, ``ratio``). Runs that did
        not train are drawn hatched and labelled so.
    path : str
        Where to write the PNG; its directory is created if needed.
    title : str
        The chart title.

    Returns
    -------
    str
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmarks.compare import trained

    several_workers = len({row["workers"] for row in rows}) > 1
    groups = list(dict.fromkeys(_group(row, several_workers) for row in rows))
    impls = list(dict.fromkeys(row["impl"] for row in rows))
    width = 0.8 / len(impls)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(groups) + 2), 4.5))
    for i, impl in enumerate(impls):
        by_group = {_group(row, several_workers): row for row in rows if row["impl"] == impl}
        xs = [g + (i - (len(impls) - 1) / 2) * width for g in range(len(groups))
              if groups[g] in by_group]
        measured = [by_group[name] for name in groups if name in by_group]
        bars = ax.bar(xs, [row["words_per_second"] / 1e6 for row in measured], width,
                      label=impl, color=COLOURS.get(impl))
        for bar, row in zip(bars, measured):
            top = (bar.get_x() + bar.get_width() / 2, bar.get_height())
            if not trained(row):
                bar.set_hatch("//")
                bar.set_alpha(0.4)
                ax.annotate("did not\ntrain", top, ha="center", va="bottom", fontsize=7)
            elif row.get("ratio") is not None and impl != "gensim":
                ax.annotate("%.1fx" % row["ratio"], top, ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, rotation=30, ha="right")
    ax.set_ylabel("training throughput (M raw words/s)")
    ax.set_title(title, fontsize=10)
    ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _group(row, several_workers):
    """The x-axis label of a row: its mode, plus the worker count when several were run."""
    return "%s w%d" % (row["mode"], row["workers"]) if several_workers else row["mode"]
