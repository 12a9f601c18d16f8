"""Text from the settings (variant labels, paths, run names), shown as text wherever it lands.

A label reaches CSV tables, figures, ``claims.md``, ``claims.csv``, ``index.html``, the
comparison page and Snakemake's report. Each output escapes what its format would
interpret:

- HTML pages: Jinja's autoescape (``dlscratch.index``);
- Markdown cells: ``markdown_cell`` (a backslash before every character Markdown or HTML
  would read as markup);
- reStructuredText captions of the report: ``rst_caption`` (a backslash before every
  punctuation character, and no ``{`` left for the Jinja pass Snakemake runs on a caption
  first); ``caption_text`` reads one back;
- figures: ``dlscratch.plotting`` escapes mathtext's ``$`` and shortens long labels in
  legends and titles (``shorten``).

What no output can escape everywhere is refused before any job runs (``check_text``):
``<`` and ``>`` (Snakemake's report embeds job parameters raw inside a ``<script>`` block,
so ``</script>`` there would end it), control and invisible formatting characters (line
breaks, tabs, right-to-left marks and overrides, zero-width characters: a figure cannot
show them as text, and they can make a label read as something else), and, for labels, a
leading ``=``, ``+``, ``-`` or ``@``, which a spreadsheet opening the CSV tables would run
as a formula.
"""

import re
import unicodedata

# Unicode categories of characters that are not visible text: controls (Cc: line breaks,
# tabs, escapes), formatting (Cf: right-to-left marks and overrides, zero-width joiners),
# line and paragraph separators (Zl, Zp), surrogates (Cs), private use (Co), unassigned (Cn).
INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
REFUSED = {"<": "'<'", ">": "'>'"}
FORMULA = ("=", "+", "-", "@")  # what a spreadsheet reads as the start of a formula
ALLOWED = ("letters, digits, spaces and punctuation other than < and > (no line breaks, tabs or invisible "
           "formatting characters)")


def problem(text, label=False):
    """(what makes ``text`` unsafe to show everywhere, what to do instead), or None."""
    for char in text:
        if char in REFUSED:
            return (f"contains {REFUSED[char]}, which cannot be shown safely everywhere a setting lands "
                    "(Snakemake's report embeds settings raw in a script block)", f"use {ALLOWED}")
        category = unicodedata.category(char)
        if category in INVISIBLE:
            name = unicodedata.name(char, "a control character")
            return f"contains U+{ord(char):04X} ({name}), which no figure or page shows as text", f"use {ALLOWED}"
    if label and text.startswith(FORMULA):
        return (f"starts with {text[0]!r}, which a spreadsheet opening the CSV tables would run as a formula",
                "start it with another character")
    return None


def check_text(text, key, label=False):
    """``None`` if ``text`` can be shown everywhere; else the message refusing it (naming ``key``)."""
    found = problem(text, label)
    if found is None:
        return None
    what, remedy = found
    return f"config key '{key}': {'label' if label else 'text'} {shorten(text, 60)!r} {what}; {remedy}"


# --------------------------------------------------------------------------- Markdown

# The characters that CommonMark or GitHub's Markdown reads as markup inside a table cell:
# emphasis (* _), code (`), links and images ([ ]), HTML and autolinks (< >), entities (&),
# the cell's end (|), strikethrough (~), math ($), and the escape itself; a backslash makes
# each a literal character. (#, +, - and digits are markup only at the start of a line,
# where a table cell never is.) GitHub also links bare URLs: the colon of a scheme
# ("http:", "javascript:") and the dot of "www." are escaped too.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>&|~$]|(?<=[A-Za-z0-9.+-]):(?=\S)|(?<=\bwww)\.)")


def markdown_cell(text):
    """``text`` as a Markdown table cell that renders as exactly that text."""
    return _MARKDOWN.sub(r"\\\1", str(text))


# --------------------------------------------------------------------------- reStructuredText


_RST = re.compile(r"([!-/:-@\[-`|-~])")  # ASCII punctuation but '{'


def rst_caption(text):
    """``text`` as reStructuredText that renders as exactly that text, for a caption of
    Snakemake's report: a backslash before every ASCII punctuation character (reST then
    reads no markup, role, reference or URI), and each ``{`` written as ``{{ '{' }}``
    (Snakemake renders a caption as a Jinja template before reST reads it)."""
    return _RST.sub(r"\\\1", text).replace("{", "{{ '{' }}")


def caption_text(rst):
    """The text ``rst_caption`` made ``rst`` from."""
    return re.sub(r"\\([!-/:-@\[-`|-~])", r"\1", rst.replace("{{ '{' }}", "{"))


# --------------------------------------------------------------------------- figures


def plural(n, word, many=None):
    """'1 seed', '2 seeds' (``many``: the plural, where it is not ``word`` + s)."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def shorten(text, width=40):
    """``text`` cut to ``width`` characters with an ellipsis, for a legend or a title."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
