"""Check a results page in a real browser: headless Chromium, driven by Playwright.

    python tools/check_page.py results/index.html --screenshot docs/index.png

Opens the page from the file system (file://, offline), waits for it to load, and checks
that every image loaded (complete, with a width), that every link on the page points at a
file that exists (and an in-page #anchor at an element that exists), and that the browser
reported no console error, page error or failed request. Prints what it checked, saves a
screenshot, and exits 0 when everything passed, 1 when something failed, 2 when no browser
could run.

It uses the system's Chromium (Debian: ``apt-get install chromium``; or --chromium PATH)
and never downloads a browser: Playwright only drives it.
"""

import argparse
import shutil
import sys
import urllib.parse
import urllib.request
from pathlib import Path

# Flags that keep a headless Chromium, run as root on a machine without internet, quiet:
# without the background-networking ones it keeps trying to reach Google's services.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--disable-extensions"]

IMAGES = "[...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])"
LINKS = "[...document.querySelectorAll('a[href]')].map(a => [a.getAttribute('href'), a.href])"
IDS = "[...document.querySelectorAll('[id]')].map(e => e.id)"


def find_chromium(given=None):
    for candidate in (given, shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _link_problem(page, raw, url, ids):
    """What is wrong with the link ``raw`` (resolved to ``url``) of the page, or None."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("http", "https", "mailto"):
        return None  # not checked offline
    if parts.scheme != "file":
        return f"link {raw!r} resolves to {url}"
    path = Path(urllib.request.url2pathname(parts.path))
    if not path.exists():
        return f"link {raw!r}: no file {path}"
    if parts.fragment and path.resolve() == page.resolve() and urllib.parse.unquote(parts.fragment) not in ids:
        return f"link {raw!r}: no element with id {parts.fragment!r} on the page"
    return None


def check_page(page, screenshot=None, chromium=None, width=1280, height=1000, full_page=False, timeout=30):
    """Render ``page`` and return (counts, problems): counts of images and links checked,
    and a list of what failed (empty when the page is sound)."""
    from playwright.sync_api import sync_playwright

    page = Path(page).resolve()
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
        try:
            tab = browser.new_page(viewport={"width": width, "height": height})
            tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            tab.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
            tab.goto(page.as_uri(), wait_until="load", timeout=timeout * 1000)
            images, links, ids = tab.evaluate(IMAGES), tab.evaluate(LINKS), set(tab.evaluate(IDS))
            for src, complete, natural_width in images:
                if not (complete and natural_width > 0):
                    problems.append(f"image {src!r} did not load")
            for raw, url in links:
                problem = _link_problem(page, raw, url, ids)
                if problem:
                    problems.append(problem)
            if screenshot:
                Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(screenshot), full_page=full_page)
        finally:
            browser.close()
    return {"images": len(images), "links": len(links)}, problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="the HTML page, e.g. results/index.html")
    parser.add_argument("--screenshot", type=Path, help="save a PNG of the page here")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the first screen")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--chromium", help="the Chromium binary (default: chromium on the PATH)")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"no page at {args.page}", file=sys.stderr)
        return 2
    chromium = find_chromium(args.chromium)
    if chromium is None:
        print("no Chromium found: apt-get install chromium, or give --chromium PATH", file=sys.stderr)
        return 2
    counts, problems = check_page(args.page, args.screenshot, chromium, args.width, args.height, args.full_page)
    print(f"{args.page}: {counts['images']} images and {counts['links']} links checked in {chromium}")
    for problem in problems:
        print(f"  FAIL {problem}")
    if args.screenshot:
        print(f"screenshot: {args.screenshot}")
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
