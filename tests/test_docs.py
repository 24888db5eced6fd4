"""The documentation's Python examples run, and print what the pages show.

Each page's ```python blocks (README.md and docs/*.md) run in order in one namespace, in a
fresh temporary working directory holding ``examples/`` (the corpus shipped in the
repository), as a new user running them from a clone would. A ```text block that directly
follows a python block is that block's printed output, compared as doctest compares
(``...`` matches anything, runs of whitespace are equal).

Two Markdown comments, on the line right before a block, change how it is run:

- ``<!-- skip: reason -->``: not run (it needs gensim, the network or a large download, or
  it quotes another library's code); the reason is required.
- ``<!-- requires: module -->``: run only when ``module`` can be imported (an optional
  library such as networkx); otherwise the block is left out.
"""
import contextlib
import doctest
import importlib.util
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
_DIRECTIVE = re.compile(r"<!--\s*(skip|requires):\s*(.*?)\s*-->\s*$")


def code_blocks(text):
    """``(line, code, directive, argument, output)`` for each python block of ``text``.

    ``directive`` is ``"skip"``, ``"requires"`` or None; ``output`` the text block that
    directly follows, or None.
    """
    fences = list(_FENCE.finditer(text))
    blocks = []
    for i, fence in enumerate(fences):
        if fence.group(1) != "python":
            continue
        before = text[:fence.start()].rstrip("\n").rsplit("\n", 1)[-1]
        directive = _DIRECTIVE.search(before)
        output = None
        if i + 1 < len(fences) and fences[i + 1].group(1) == "text" \
                and not text[fence.end():fences[i + 1].start()].strip():
            output = fences[i + 1].group(2)
        blocks.append((text.count("\n", 0, fence.start()) + 1, fence.group(2),
                       directive and directive.group(1), directive and directive.group(2),
                       output))
    return blocks


def _matches(expected, printed):
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    return checker.check_output(expected, printed, flags)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_page_examples_run(page, tmp_path, monkeypatch):
    blocks = code_blocks(page.read_text(encoding="utf8"))
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for line, code, directive, argument, output in blocks:
        where = "%s:%d" % (page.name, line)
        if directive == "skip":
            assert argument, "%s: a skipped block must say why (<!-- skip: reason -->)" % where
            continue
        if directive == "requires" and importlib.util.find_spec(argument) is None:
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, where, "exec"), namespace)
        if output is not None:
            assert _matches(output, printed.getvalue()), (
                "%s printed:\n%s\nthe page shows:\n%s" % (where, printed.getvalue(), output))


def test_code_blocks_reads_directives_and_output():
    text = ("<!-- skip: needs gensim -->\n```python\nimport gensim\n```\n\n"
            "```python\nprint(1)\n```\n\n```text\n1\n```\n"
            "<!-- requires: networkx -->\n```python\nimport networkx\n```\n")
    assert code_blocks(text) == [
        (2, "import gensim\n", "skip", "needs gensim", None),
        (6, "print(1)\n", None, None, "1\n"),
        (14, "import networkx\n", "requires", "networkx", None),
    ]


def test_output_comparison_allows_ellipsis_only_where_written():
    assert _matches("[('queen', ...)]\n", "[('queen', 0.61)]\n")
    assert not _matches("[('queen', ...)]\n", "[('darius', 0.61)]\n")


def test_every_page_is_in_the_site_navigation():
    nav = re.findall(r"^\s+- [^\n]*?:\s*(\S+\.md)\s*$",
                     (ROOT / "mkdocs.yml").read_text(encoding="utf8"), re.M)
    pages = sorted(page.name for page in (ROOT / "docs").glob("*.md"))
    assert sorted(nav) == pages
