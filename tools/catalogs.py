"""Keep the zh_CN and en catalogs in step with the code.

    python tools/catalogs.py update        extract messages and merge them into both .po files
    python tools/catalogs.py missing       print zh_CN messages still without a translation (JSON)
    python tools/catalogs.py fill F.json   set zh_CN translations from a {msgid: msgstr} file
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "listening" / "locale"
SOURCES = ("listening", "pages", "ui")
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    catalog = Catalog(project="listening-hour", charset="utf-8")
    paths = [ROOT / s for s in SOURCES]
    for path in paths:
        for filename, lineno, message, comments, context in extract_from_dir(
            path, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            catalog.add(message, None, [(f"{path.name}/{filename}", lineno)], auto_comments=comments, context=context)
    for filename, lineno, message, comments, context in _extract_file(ROOT / "app.py"):
        catalog.add(message, None, [("app.py", lineno)], auto_comments=comments, context=context)
    return catalog


def _extract_file(path: Path):
    from babel.messages.extract import extract

    with path.open("rb") as fh:
        for lineno, message, comments, context in extract("python", fh, keywords=KEYWORDS):
            yield path.name, lineno, message, comments, context


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="listening-hour", charset="utf-8")
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def save(catalog: Catalog, locale: str) -> None:
    path = po_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True, no_location=True, width=120)


def update() -> None:
    template = extract()
    for locale in ("zh_CN", "en"):
        catalog = load(locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        save(catalog, locale)
    print(f"{len(template)} messages")


def _key(message) -> str:
    """A message's key in the JSON files: its msgid, or the singular msgid of a plural message."""
    return message.id if isinstance(message.id, str) else message.id[0]


def _translated(message) -> bool:
    # A plural message's string is a tuple of forms: translated only when every form is.
    return all(message.string) if isinstance(message.string, tuple) else bool(message.string)


def missing() -> None:
    catalog = load("zh_CN")
    todo = {_key(m): "" for m in catalog if m.id and not _translated(m)}
    json.dump(todo, sys.stdout, ensure_ascii=False, indent=1)
    print()


def fill(path: str) -> None:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    catalog = load("zh_CN")
    for message in catalog:
        text = translations.get(_key(message)) if message.id else None
        if text:
            # Chinese has one plural form: a plural message gets the same text for every form.
            message.string = text if isinstance(message.id, str) else (text,) * max(1, len(message.string or ()))
    save(catalog, "zh_CN")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    {"update": update, "missing": missing, "fill": lambda: fill(sys.argv[2])}[command]()
