"""YAML for content files that anyone with the editor role can upload.

`yaml.safe_load` constructs no objects, but it still expands aliases: 738 bytes of nested
`&a [*a, *a, ...]` become 100,000 values, and a 300 MB file is read as one string. Content
files never need aliases, so here an anchor or alias is refused before it is expanded. The
tree is capped in depth (PyYAML's composer recurses: a file of `[[[[...` ended in
RecursionError) at the FAQ's own depth limit, which the panel's editor keeps to as well, so
an export always imports again; and in its number of values. The bundled topics have about
750 values, 7 YAML levels (3 FAQ levels), about 50 KB each: the caps leave a wide margin.
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.i18n import Translatable, lazy

MAX_LEVELS = 10  # of the FAQ tree, a topic being level 1; the panel's editor keeps to it too
# Each FAQ level is two YAML levels (the node's mapping, its children list); the deepest
# answer adds two more (keywords: a mapping of lists of words).
MAX_DEPTH = 2 * MAX_LEVELS + 2
MAX_NODES = 20_000  # scalars, lists and mappings in one file


class ContentYamlError(yaml.YAMLError):
    """A file refused for its shape; `line` is 1-based."""

    def __init__(self, message: Translatable, mark: yaml.Mark | None) -> None:
        self.message = message
        self.line = mark.line + 1 if mark is not None else None
        # What to show staff, in their language; str() is the English of it.
        self.reason = (message if self.line is None
                       else lazy("line {line}: {problem}", line=self.line, problem=message))
        super().__init__(str(self.reason))


class ContentLoader(yaml.SafeLoader):
    """SafeLoader whose compose step refuses anchors, aliases and oversized trees."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise ContentYamlError(lazy("anchors and aliases (& and *) are not allowed; "
                                        "write the text out in full"), event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise ContentYamlError(lazy("more than {most} values in one file; split the topic "
                                        "into several files", most=MAX_NODES), event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ContentYamlError(lazy("nested too deeply (more than {depth} levels); the "
                                            "FAQ tree may have at most {most} levels",
                                            depth=MAX_DEPTH, most=MAX_LEVELS), event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load(text: str) -> Any:
    """One YAML document from `text`, through `ContentLoader`.

    Raises yaml.YAMLError (ContentYamlError for the caps above). A number too long for int()
    (Python refuses more than 4300 digits) comes out of the constructor as ValueError; it is
    reported as invalid YAML too."""
    loader = ContentLoader(text)
    try:
        return loader.get_single_data()
    except ValueError as exc:
        raise yaml.YAMLError(str(exc)) from exc
    finally:
        loader.dispose()
