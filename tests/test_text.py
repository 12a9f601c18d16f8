"""Text from the settings, shown as text wherever it lands: what is refused before any job,
and the escapes of Markdown cells and report captions, checked by rendering them as a viewer
does (markdown-it-py for CommonMark with tables; Jinja, then docutils, as Snakemake's report)."""

import copy
from html.parser import HTMLParser

import jinja2
import pytest
from docutils.core import publish_parts
from markdown_it import MarkdownIt
from snakemake_runner import run_config

from dlscratch.config import ConfigError, check_config
from dlscratch.text import caption_text, check_text, markdown_cell, plural, rst_caption, shorten

# Labels a hostile or careless user may give: each must come out as exactly this text.
SHOWN_AS_TEXT = ["a|b", "`tick`", "[x](javascript:alert(1))", "{{ 7*7 }} {% if 1 %}x{% endif %} {# c #}",
                 "*em* _u_ **b** ~~s~~ $x$", "&amp; &lt;b&gt; \\ back\\slash", "http://evil.example/x www.evil.com",
                 ":role:`x` .. raw:: html |sub| r_ [1]_", "L" * 300, "über 深度 ∇f", "x: y; z"]
# Refused: what no output can escape everywhere (the report embeds settings raw in a script).
REFUSED = {"<img src=x onerror=alert(1)>": "contains '<'", "</script><script>alert(1)</script>": "contains '<'",
           "a > b": "contains '>'", "a\u200fb": "U+200F (RIGHT-TO-LEFT MARK)", "a\u202eb": "U+202E",
           "tab\there": "U+0009", "line\nbreak": "U+000A", "zero\u200bwidth": "U+200B",
           "=HYPERLINK(1)": "starts with '='", "+1": "starts with '+'", "@x": "starts with '@'"}


class Elements(HTMLParser):
    """Every element and attribute of an HTML fragment, and its text."""

    def __init__(self, html):
        super().__init__()
        self.elements, self.attributes, self.text = [], [], []
        self.feed(html)
        self.text = "".join(self.text)

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("label", SHOWN_AS_TEXT)
def test_a_label_is_accepted_and_its_markdown_cell_renders_as_exactly_that_text(label):
    assert check_text(label, "k", label=True) is None
    html = MarkdownIt("commonmark").enable("table").render(f"| a | b |\n|---|---|\n| x | {markdown_cell(label)} |\n")
    cell = html.split("<td>")[-1].split("</td>")[0]
    parsed = Elements(cell)
    assert parsed.elements == [] and parsed.text == label


@pytest.mark.parametrize("label", SHOWN_AS_TEXT)
def test_a_caption_renders_in_the_report_as_exactly_its_text(label):
    text = f"Fig 6-9: Comparison of optimizers on MNIST. {label}: sgd, lr 0.01."
    rst = rst_caption(text)
    assert caption_text(rst) == text
    # what Snakemake's report does with a caption file: Jinja, then reST to HTML
    rendered = jinja2.Environment(trim_blocks=True, lstrip_blocks=True).from_string(rst).render()
    parsed = Elements(publish_parts(rendered, writer="html")["body"])
    assert parsed.elements == ["p"] and parsed.attributes == []
    assert parsed.text.strip() == text


@pytest.mark.parametrize("label, why", REFUSED.items())
def test_text_no_output_can_escape_is_refused_naming_the_key(label, why):
    message = check_text(label, "optimizer_mnist.optimizers", label=True)
    assert message.startswith("config key 'optimizer_mnist.optimizers': label ") and why in message
    assert "use letters, digits, spaces" in message or "start it with another character" in message


def test_a_formula_start_is_refused_only_in_labels():
    assert check_text("-1", "mnist_dir") is None and check_text("-1", "k", label=True)


@pytest.mark.parametrize("where", ["label", "mnist_dir"])
def test_check_config_refuses_hostile_text_anywhere_in_the_settings(where):
    config = copy.deepcopy(run_config("config/test.yaml"))
    if where == "label":
        config["init_mnist"]["inits"]["</script>"] = "he"
    else:
        config["mnist_dir"] = "resources/<mnist>"
    key = "init_mnist.inits" if where == "label" else "mnist_dir"
    with pytest.raises(ConfigError, match=f"config key '{key}': .* contains '<'"):
        check_config(config)


def test_long_labels_are_shortened_with_an_ellipsis_and_plurals_are_right():
    assert shorten("L" * 300, 40) == "L" * 39 + "…" and shorten("short", 40) == "short"
    assert (plural(1, "seed"), plural(2, "seed"), plural(0, "seed")) == ("1 seed", "2 seeds", "0 seeds")
