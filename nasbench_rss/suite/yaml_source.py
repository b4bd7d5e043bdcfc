"""YAML text to plain data, keeping where every key, value and list item was written.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two equal keys
in a mapping, which would ignore what the user wrote first.  So the text is composed into
PyYAML's node tree (every node knows its start mark), checked for duplicate keys, and
only then constructed into plain Python data.  :meth:`YamlDocument.locate` maps a path
into the data (a pydantic error's ``loc``) back to a 1-based line and column.

Composing is bounded (:class:`_BoundedLoader`): at most :data:`~nasbench_rss.limits.MAX_SUITE_NODES`
values with every alias expanded (nine levels of nine aliases are 387 million, and
everything after the YAML walks them expanded) and at most
:data:`~nasbench_rss.limits.MAX_SUITE_DEPTH` levels of nesting (PyYAML composes, and
pydantic validates, one Python call per level); each refused at its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from nasbench_rss.atomic import UnreadableFile, read_bounded
from nasbench_rss.limits import MAX_SUITE_BYTES, MAX_SUITE_DEPTH, MAX_SUITE_NODES
from nasbench_rss.suite.problems import Position, Problem, raise_problems
from nasbench_rss.validation import KEY_COMPONENT

MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class YamlDocument:
    """Plain data of one YAML document and its node tree, for positions."""

    data: Any
    root: yaml.Node
    source: str

    def locate(self, loc: Sequence[Any]) -> tuple[Position, tuple[Any, ...]]:
        """Where ``loc`` points in the text, and the components of ``loc`` found in the document.

        Components that are not keys or indices of the document (pydantic's tags of
        discriminated unions, e.g. the sampler name in ``runs.ofa.rss.options``) are
        skipped.  A path ending at a mapping or list points at its key; at a scalar, at the
        scalar itself; a path that leaves the document (a missing key) at the deepest
        node reached.
        """
        node: yaml.Node = self.root
        key_node: yaml.Node | None = None
        found: list[Any] = []
        for component in loc:
            if component == KEY_COMPONENT and key_node is not None:
                return _position(key_node), tuple(found)
            child = _child(node, component)
            if child is None:
                continue
            key_node, node = child
            found.append(component)
        if key_node is not None and not isinstance(node, yaml.ScalarNode):
            return _position(key_node), tuple(found)
        return _position(node), tuple(found)

    def key_position(self, loc: Sequence[Any]) -> Position:
        """Position of the last key of ``loc`` (for problems with a key, such as unknown ones)."""
        node: yaml.Node = self.root
        key_node: yaml.Node | None = None
        for component in loc:
            child = _child(node, component)
            if child is None:
                continue
            key_node, node = child
        return _position(key_node if key_node is not None else node)


class _Refused(Exception):
    """A document past a bound of :class:`_BoundedLoader`, at ``mark``."""

    def __init__(self, mark: yaml.Mark, message: str) -> None:
        super().__init__(message)
        self.problem = Problem((), message, Position(mark.line + 1, mark.column + 1))


_TOO_DEEP = (
    "lists and mappings nested more than {limit} deep{how} not allowed; allowed: at most {limit} nested lists and "
    "mappings (a suite needs about 8)"
)
_TOO_MANY = "{what} more than {limit} values not allowed; allowed: at most {limit} values with every alias expanded"


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, composing at most MAX_SUITE_NODES values (an alias counts every value of its anchor,
    each time) nested at most MAX_SUITE_DEPTH deep (an alias counts its anchor's nesting where it stands)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0  # the nesting of the node being composed
        self._values = 0  # values composed so far, aliases expanded
        self._expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (values, nesting) it expands to

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:  # else PyYAML's own "undefined alias" error
                self._alias(event, node)
            return super().compose_node(parent, index)
        mark = self.peek_event().start_mark
        self._depth += 1
        try:
            if self._depth > MAX_SUITE_DEPTH:
                raise _Refused(mark, _TOO_DEEP.format(limit=MAX_SUITE_DEPTH, how=""))
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        children = [self._expanded[id(child)] for child in _children(node)]
        self._expanded[id(node)] = (1 + sum(v for v, _ in children), 1 + max((n for _, n in children), default=0))
        self._values += 1
        if self._values > MAX_SUITE_NODES:
            raise _Refused(mark, _TOO_MANY.format(what="the suite holds", limit=MAX_SUITE_NODES))
        return node

    def _alias(self, event: yaml.AliasEvent, node: yaml.Node) -> None:
        """Count what alias ``event`` of ``node`` expands to, where it stands."""
        if id(node) not in self._expanded:  # its anchor is still being composed: the alias is inside it
            raise _Refused(
                event.start_mark,
                f"alias *{event.anchor} inside its own anchor &{event.anchor} (a structure holding itself) not allowed; "
                "allowed: aliases of anchors written before them",
            )
        values, nesting = self._expanded[id(node)]
        self._values += values
        if self._values > MAX_SUITE_NODES:
            what = f"alias *{event.anchor} repeats {values} values and makes the suite"
            raise _Refused(event.start_mark, _TOO_MANY.format(what=what, limit=MAX_SUITE_NODES))
        if self._depth + nesting > MAX_SUITE_DEPTH:
            raise _Refused(event.start_mark, _TOO_DEEP.format(limit=MAX_SUITE_DEPTH, how=f" (alias *{event.anchor} expanded)"))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Compose, check and construct ``text``; a :class:`SuiteError` for bad syntax, bad characters or duplicate keys."""
    loader = None
    try:
        loader = _BoundedLoader(text)  # checks every character first: a ReaderError here
        root = loader.get_single_node()
        if root is None:
            raise_problems(source, [Problem((), "the file is empty; allowed: a mapping with name, runs, ...", Position(1, 1))])
        duplicates = list(_duplicate_keys(root))
        if duplicates:
            raise_problems(source, duplicates)
        data = loader.construct_document(root)
    except _Refused as refused:
        raise_problems(source, [refused.problem])
    except yaml.reader.ReaderError as error:
        raise_problems(source, [_character_problem(error, text)])
    except yaml.MarkedYAMLError as error:
        raise_problems(source, [_syntax_problem(error)])
    except yaml.YAMLError as error:  # errors without a mark (e.g. a bad stream)
        raise_problems(source, [Problem((), f"YAML: {error}", Position(1, 1))])
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(data, root, source)


def read_yaml(path: Path) -> YamlDocument:
    """:func:`parse_yaml` of a file; unreadable, too large (:data:`~nasbench_rss.limits.MAX_SUITE_BYTES`), not a
    regular file, or non-UTF-8 files are :class:`SuiteError` too."""
    try:
        raw = read_bounded(path, MAX_SUITE_BYTES, "a suite")
    except UnreadableFile as error:  # too large, a FIFO, a device, a directory, no permission
        raise_problems(str(path), [Problem((), f"cannot read the suite file: {error.reason}", Position(1, 1))])
    except OSError as error:
        raise_problems(str(path), [Problem((), f"cannot read the suite file: {error}", Position(1, 1))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise_problems(str(path), [_encoding_problem(error, raw)])
    return parse_yaml(text, str(path))


def _position_in(text: str, offset: int) -> Position:
    """1-based line and column of character ``offset`` of ``text``."""
    before = text[:offset]
    return Position(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


def _character_problem(error: yaml.reader.ReaderError, text: str) -> Problem:
    """A character YAML does not allow (a control character, NUL), at its place."""
    code = error.character if isinstance(error.character, int) else ord(error.character)
    kind = "a control character" if code < 0x20 or 0x7F <= code < 0xA0 else "not printable"
    return Problem(
        (),
        f"character U+{code:04X} ({kind}) not allowed; allowed: printable characters, tabs and line "
        "breaks (YAML 1.1); delete it, or write it as an escape such as \\x07 in a double-quoted string",
        _position_in(text, error.position),
    )


def _encoding_problem(error: UnicodeDecodeError, raw: bytes) -> Problem:
    """A file that is not UTF-8, at the first byte that is not."""
    valid = raw[: error.start].decode("utf-8")
    return Problem(
        (),
        f"the file is not UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded ({error.reason}); "
        "allowed: UTF-8 text (save the file as UTF-8)",
        _position_in(valid, len(valid)),
    )


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _child(node: yaml.Node, component: Any) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node, value node) of ``component`` in a mapping, (item, item) in a sequence, else None."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != MERGE_TAG and key.value == str(component):
                return key, value
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(component, int) and not isinstance(component, bool):
        if 0 <= component < len(node.value):
            item = node.value[component]
            return item, item
    return None


def _duplicate_keys(root: yaml.Node, path: tuple[Any, ...] = ()):
    """Problems for every key that repeats an earlier key of its mapping (anywhere in the tree)."""
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[Any, ...]]] = [(root, path)]
    while stack:
        node, where = stack.pop()
        if id(node) in seen_nodes:  # an alias: already checked where its anchor is
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != MERGE_TAG:
                    identity = (key.tag, key.value)
                    if identity in first:
                        earlier = _position(first[identity])
                        yield Problem(
                            (*where, key.value),
                            f"duplicate key {key.value!r} (first at line {earlier.line}); "
                            "allowed: each key once per mapping (YAML would silently keep only the last)",
                            _position(key),
                        )
                    else:
                        first[identity] = key
                    stack.append((value, (*where, key.value)))
                else:
                    stack.append((value, where))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*where, index)) for index, item in enumerate(node.value))


def _syntax_problem(error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    position = Position(mark.line + 1, mark.column + 1) if mark is not None else Position(1, 1)
    message = f"YAML syntax: {error.problem or error.context}"
    if error.context and error.problem:
        context_line = f" at line {error.context_mark.line + 1}" if error.context_mark is not None else ""
        message += f" ({error.context}{context_line})"
    return Problem((), message + "; allowed: YAML 1.1 block or flow syntax", position)
