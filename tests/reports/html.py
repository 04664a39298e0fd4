"""Reading report HTML in tests: elements carrying a data- attribute, in document order."""

import re
from html import unescape
from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self, attributes: tuple[str, ...]):
        super().__init__()
        self.attributes = attributes
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if any(name in attributes for name in self.attributes):
            self.found.append({"tag": tag, **attributes})


def with_attribute(html: str, *attributes: str) -> list[dict]:
    """Every element having one of ``attributes``, as a dict of its attributes, in page order."""
    collector = _Collector(attributes)
    collector.feed(html)
    return collector.found


def claim_article(html: str, claim_pk: int) -> str:
    """The ``<article>`` of one claim in a report page."""
    match = re.search(
        rf'<article class="claim" id="claim-{claim_pk}".*?</article>', html, flags=re.S
    )
    assert match, f"claim {claim_pk} is not on the page"
    return match.group(0)


def text_of(html: str) -> str:
    """The page's text with tags dropped and whitespace squeezed."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    # A tag between a word and its punctuation is not a space a reader would see.
    return re.sub(r" ([,.):])", r"\1", text)
