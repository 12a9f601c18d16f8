"""results/index.html reads like the chapter, and passes a check in a real browser
(headless Chromium, tools/check_page.py): every image and link loads."""

import re
import shutil
import subprocess
import sys

import pytest
from snakemake_runner import ROOT, run_config

from dlscratch.registry import EXPERIMENTS, SECTIONS, drawn_figures

pytestmark = pytest.mark.pipeline

CHECK = ROOT / "tools" / "check_page.py"


@pytest.fixture(scope="module")
def page(small_pipeline):
    return (small_pipeline / "results" / "index.html").read_text()


def test_sections_in_the_books_order_with_its_titles_and_a_table_of_contents(page):
    chapter = {number: titles for number, titles in SECTIONS.items() if number.startswith("6.")}
    headings = re.findall(r"<h2>(6\.\d) (.*?)</h2>", page)
    assert [number for number, _ in headings] == list(chapter)
    for (number, text), (title, zh) in zip(headings, chapter.values()):
        assert title in text and zh in text
    assert "Beyond the book" not in page  # the chapter's page: the studies only with `snakemake studies`
    contents = page.split("<nav>")[1].split("</nav>")[0]
    for number in chapter:
        assert f'href="#s{number.replace(".", "-")}"' in contents
    for stem in {d.figure.stem for d in drawn_figures(run_config("config/test.yaml"))
                 if not EXPERIMENTS[d.figure.experiment].study}:
        assert f'href="#{stem}"' in contents and f'id="{stem}"' in page


def test_each_figure_sits_beside_its_companion_and_its_claims(page):
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<div class="row" id="([^"]+)">.*?\n</div>', page, re.S)}
    nine = rows["fig6-09_optimizers_mnist"]
    assert 'src="figures/fig6-09_optimizers_mnist.png"' in nine and 'src="figures/fig6-09_optimizers_mnist_seeds.png"' in nine
    assert "Momentum" in nine.split('class="claims"')[1] and re.search(r'class="v (holds|mixed|does-not-hold)"', nine)
    assert "[" in nine.split('class="claims"')[1]  # an interval
    eighteen = rows["fig6-18_batchnorm_single"]
    assert "Batch Norm makes learning faster (Fig 6-18)" in eighteen and "chosen by rule" in eighteen


def test_a_claim_is_listed_beside_the_first_of_its_figures_and_linked_from_the_others(page):
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<div class="row" id="([^"]+)">.*?\n</div>', page, re.S)}
    first, second = rows["fig6-24_random_search"], rows["fig6-24x_random_search_scatter"]
    assert "The best trials have lr within" in first and "The best trials have lr within" not in second
    assert 'beside\n<a href="#fig6-24_random_search">Fig 6-24</a>' in second
    statements = re.findall(r'<span class="v [^"]+">[^<]+</span> (.*?)\.\n', "".join(rows.values()))
    assert statements and len(statements) == len(set(statements))


def test_each_experiments_settings_are_shown_once_as_a_table(page):
    chapter = [name for name, experiment in EXPERIMENTS.items() if not experiment.study]
    assert page.count("Settings of this experiment") == len(chapter)
    assert page.count("<table") >= len(chapter) + 2  # settings, all claims, job times
    assert "<td>iterations</td>" in page and "{" not in page.split("<body>")[1].split("<style>")[0]
    assert page.index('id="claims"') < page.index('id="times"') == page.rindex('id="times"')


def run_check(html, *args):
    return subprocess.run([sys.executable, str(CHECK), str(html), *args], capture_output=True, text=True,
                          timeout=120)


def test_the_page_passes_in_a_real_browser(small_pipeline, tmp_path):
    shot = tmp_path / "page.png"
    proc = run_check(small_pipeline / "results" / "index.html", "--screenshot", str(shot))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    images = int(re.search(r"(\d+) images", proc.stdout).group(1))
    assert images == len([d for d in drawn_figures(run_config("config/test.yaml"))
                          if not EXPERIMENTS[d.figure.experiment].study])
    assert shot.read_bytes()[:4] == b"\x89PNG"


def test_the_browser_check_finds_a_missing_image_and_a_broken_link(small_pipeline, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(small_pipeline / "results", results)
    (results / "figures" / "fig6-02_gradient.png").unlink()
    index = results / "index.html"
    index.write_text(index.read_text().replace('href="claims.md"', 'href="no-such-claims.md"')
                     .replace('href="#claims"', 'href="#nowhere"', 1))
    proc = run_check(index)
    assert proc.returncode == 1
    assert "image 'figures/fig6-02_gradient.png' did not load" in proc.stdout
    assert "no-such-claims.md" in proc.stdout and "'nowhere'" in proc.stdout
