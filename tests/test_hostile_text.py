"""Hostile labels through the whole small pipeline: every output shows them as inert text.

The small run is redone with the six optimizers of Fig 6-9 renamed to labels that Markdown,
reST, Jinja, HTML or a spreadsheet would read as markup (the accepted ones of
tests/test_text.py; those no output can escape are refused before any job, tested there and
in tests/test_verify.py). The CSV tables, claims.csv, claims.md (rendered as CommonMark with
tables), index.html and Snakemake's report (parsed with an HTML parser, its captions too)
must hold the labels as text, and no element or attribute the project did not write: the
same elements and attributes as the run with the book's labels. The comparison page is
rendered from the same labels, in its claims, its runs' changes and their descriptions."""

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from snakemake_runner import run_config, snakemake

from dlscratch.claims_table import read_claims
from dlscratch.compare import compare_html

pytestmark = pytest.mark.pipeline

LABELS = {"a|b": "sgd", "`tick` *em*": "momentum", "[x](javascript:alert(1))": "adagrad",
          "{{ 7*7 }} {% raw %} &amp; \\": "adam", "L" * 300: "rmsprop", "http://evil.example/x _u_": "nesterov"}


# The small config's optimizers of Fig 6-9, the six renamed (any other keeps its label, so that
# both runs have the same rows).
HOSTILE = {({name: label for label, name in LABELS.items()}).get(spec["name"], label): spec
           for label, spec in run_config("config/test.yaml")["optimizer_mnist"]["optimizers"].items()}


class Inventory(HTMLParser):
    """The elements and attributes of a page, its text, and any script URL in an attribute."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attributes, self.scripted, self.text = Counter(), Counter(), [], []
        self.feed(html)
        self.text = "".join(self.text)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for name, value in attrs:
            self.attributes[(tag, name)] += 1
            if name.startswith("on") or "javascript:" in (value or "").lower():
                self.scripted.append((tag, name, value))

    def handle_data(self, data):
        self.text.append(data)


def report(work, path, configfiles):
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--report", str(path), "--configfile", *configfiles],
                          cwd=work, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def runs(small_pipeline, tmp_path_factory):
    """(the run with the book's labels, the run with LABELS): each a workdir and its report."""
    book = small_pipeline
    hostile = tmp_path_factory.mktemp("hostile") / "work"
    shutil.copytree(small_pipeline, hostile, symlinks=True)
    table = "\n".join(f"    {json.dumps(label)}: {json.dumps(spec)}" for label, spec in HOSTILE.items())
    (hostile / "config" / "hostile.yaml").write_text(f"optimizer_mnist:\n  optimizers:\n{table}\n", encoding="utf-8")
    configs = ("config/test.yaml", "config/hostile.yaml")
    snakemake(hostile, configfiles=configs)
    reports = tmp_path_factory.mktemp("reports")
    with ThreadPoolExecutor(max_workers=2) as pool:  # two independent reports, one core each
        book_report = pool.submit(report, book, reports / "book.html", ["config/test.yaml"])
        hostile_report = pool.submit(report, hostile, reports / "hostile.html", list(configs))
        return (book, book_report.result()), (hostile, hostile_report.result())


def test_the_tables_and_claims_csv_hold_the_labels_unchanged(runs):
    (_, _), (work, _) = runs
    from dlscratch.chapter.optimizers import optimizer_mnist_schemas
    from dlscratch.tables import read_table

    block = run_config("config/test.yaml")["optimizer_mnist"]
    schema = optimizer_mnist_schemas({**block, "optimizers": HOSTILE})["loss"]
    loss = read_table(work / "results" / "optimizer_mnist" / "seed0" / "loss.csv", schema)
    assert list(loss["optimizer"].unique()) == list(HOSTILE) and set(LABELS) <= set(HOSTILE)
    statements = " ".join(read_claims(work / "results" / "claims.csv")["statement"])
    assert all(label in statements for label in ["a|b", "`tick` *em*", "[x](javascript:alert(1))"])


def test_claims_md_renders_every_label_as_text(runs):
    (_, _), (work, _) = runs
    html = MarkdownIt("commonmark").enable("table").render((work / "results" / "claims.md").read_text())
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    assert len(cells) >= 7 * 29
    markup = [cell for cell in cells if set(Inventory(cell).tags) - {"strong"}]
    assert markup == []  # no link, code, emphasis, image or HTML: only the verdicts' bold
    text = Inventory(html).text
    for label in ["a|b", "`tick` *em*", "[x](javascript:alert(1))", "{{ 7*7 }} {% raw %} &amp; \\"]:
        assert label in text, label


def test_the_page_has_the_elements_of_the_books_run_and_shows_the_labels_as_text(runs):
    (book, _), (work, _) = runs
    theirs = Inventory((work / "results" / "index.html").read_text(encoding="utf-8"))
    ours = Inventory((book / "results" / "index.html").read_text(encoding="utf-8"))
    assert theirs.scripted == [] and set(theirs.attributes) == set(ours.attributes)
    assert theirs.tags == ours.tags
    for label in LABELS:
        assert label in theirs.text, label[:40]


def test_the_report_has_the_elements_of_the_books_run_and_its_captions_are_text(runs):
    (_, book_report), (_, hostile_report) = runs
    theirs, ours = Inventory(hostile_report), Inventory(book_report)
    assert theirs.tags == ours.tags and set(theirs.attributes) == set(ours.attributes) and theirs.scripted == []
    captions = [json.loads(f'"{c}"') for c in re.findall(r'"caption":\s*"((?:[^"\\]|\\.)*)"', hostile_report)]
    nine = [c for c in captions if "Fig 6-9" in c]
    assert len(nine) == 4  # 6-9, 6-9x and their companions
    for caption in nine:
        parsed = Inventory(caption)
        assert set(parsed.tags) == {"p"} and not parsed.attributes, caption[:300]
        assert "[x](javascript:alert(1))" in parsed.text and "{{ 7*7 }} {% raw %} &amp; \\" in parsed.text


def test_the_figures_of_the_hostile_run_are_drawn(runs):
    (_, _), (work, _) = runs
    for stem in ("fig6-09_optimizers_mnist", "fig6-09x_all_optimizers_mnist"):
        assert (work / "results" / "figures" / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
    assert pd.read_csv(work / "results" / "claims.csv")["verdict"].notna().all()


def comparison(labels, description):
    """compare.html of the book's run and a run that changes one optimizer's rate, with the
    optimizers called ``labels`` (their claims name them)."""
    def config(lr):
        return {"optimizer_mnist": {"optimizers": {label: {"name": name, "lr": lr if name == "adam" else 0.01}
                                                   for label, name in labels.items()}}}

    def claims(verdict):
        return pd.DataFrame([{"claim": "6-9", "statement": f"{label} ends with a lower loss than SGD", "verdict": verdict,
                              "mean": 0.1, "ci95_low": 0.0, "ci95_high": 0.2, "diverged": "", "verdict_trained": verdict}
                             for label in labels])

    figures = [{"stem": "fig6-09_optimizers_mnist"}]
    runs = [{"name": "book", "description": "", "directory": "results", "config": config(0.001), "figures": figures},
            {"name": "adam_x10", "description": description, "directory": "results/runs/adam_x10",
             "config": config(0.01), "figures": figures}]
    return compare_html(runs, {"book": claims("holds"), "adam_x10": claims("mixed")})


def test_the_comparison_page_has_its_own_elements_only_and_shows_the_labels_as_text():
    plain = {f"label{i}": name for i, name in enumerate(LABELS.values())}
    ours = Inventory(comparison(plain, "a plain description"))
    theirs = Inventory(comparison(LABELS, "[x](javascript:alert(1)) `tick` {{ 7*7 }} &amp; a|b"))
    assert theirs.scripted == [] and theirs.tags == ours.tags and set(theirs.attributes) == set(ours.attributes)
    for label in LABELS:
        assert f"{label} ends with a lower loss than SGD" in theirs.text, label[:40]
    assert "[x](javascript:alert(1)) `tick` {{ 7*7 }} &amp; a|b" in theirs.text
    assert "optimizer_mnist.optimizers.{{ 7*7 }} {% raw %} &amp; \\.lr: 0.001 → 0.01" in theirs.text
