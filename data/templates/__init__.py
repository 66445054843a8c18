"""The template banks, one module per topic of the genre.

Each module holds ``TEMPLATES``: a list of ``(family, source)`` pairs in the language of
``data.templating``. A template's id is ``<module>.<index>``, so appending templates
never changes existing ids, and the split a template belongs to is a hash of its id:
validation and test templates are phrasings the training split never sees.

>>> len(load_templates()) >= 300
True
"""

from __future__ import annotations

import functools
import hashlib
import importlib

from govreport.data.templating import Template

MODULES = ("disclosure", "requests", "reviews", "media", "services", "stats", "standard", "negatives", "general")
SPLITS = ("train", "validation", "test")


def split_of(template_id: str) -> str:
    """Which split a template belongs to: 80% train, 10% validation, 10% test, by id hash."""
    bucket = int(hashlib.md5(template_id.encode("utf-8")).hexdigest(), 16) % 100
    return "train" if bucket < 80 else "validation" if bucket < 90 else "test"


@functools.lru_cache(maxsize=1)
def load_templates() -> tuple[Template, ...]:
    """Every template of every bank, compiled (a bad template fails here, naming itself)."""
    out = []
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for i, (family, source) in enumerate(module.TEMPLATES):
            out.append(Template(f"{name}.{i:03d}", family, source))
    return tuple(out)
