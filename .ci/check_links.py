"""Every relative link in the built book points to a page that exists, and every
#anchor to an id on that page. Usage: python3 .ci/check_links.py book/book"""
import html.parser
import os
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        # A picture is a link too: its file must be there.
        if tag == "img" and attrs.get("src"):
            self.links.append(attrs["src"])


def parse(path):
    page = Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    return page


root = sys.argv[1]
pages = {}
for folder, _, files in os.walk(root):
    for name in files:
        if name.endswith(".html"):
            path = os.path.join(folder, name)
            pages[os.path.normpath(path)] = parse(path)

broken = []
for path, page in pages.items():
    for href in page.links:
        url = urllib.parse.urlparse(href)
        if url.scheme or href.startswith("//") or href.startswith("mailto:"):
            continue
        target = os.path.normpath(os.path.join(os.path.dirname(path), urllib.parse.unquote(url.path))) if url.path else path
        if os.path.isdir(target):
            target = os.path.join(target, "index.html")
        if not os.path.exists(target):
            broken.append(f"{path}: {href} (no such file)")
        elif url.fragment and target.endswith(".html") and url.fragment not in pages.get(target, Page()).ids:
            broken.append(f"{path}: {href} (no id {url.fragment!r})")

if broken:
    print("broken links in the book:")
    print("\n".join(sorted(set(broken))))
    sys.exit(1)
print(f"links checked: {sum(len(p.links) for p in pages.values())} in {len(pages)} pages, none broken")
