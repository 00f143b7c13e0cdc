"""A small OTTL statement check, as the transform processor parses at start-up: string literals
closed and validly escaped, brackets balanced, a known editor function first, and every path under
a context the signal allows (span/spanevent for traces, log for logs...)."""

from __future__ import annotations

import re

CONTEXTS = {
    "trace_statements": {"resource", "scope", "span", "spanevent"},
    "metric_statements": {"resource", "scope", "metric", "datapoint", "exemplar"},
    "log_statements": {"resource", "scope", "log"},
    "profile_statements": {"resource", "scope", "profile"},
}
# OTTL editors (ottlfuncs, v0.159): a statement starts with one of these.
EDITORS = frozenset({"append", "delete_key", "delete_matching_keys", "flatten", "keep_keys",
                     "keep_matching_keys", "limit", "merge_maps", "replace_all_matches", "replace_all_patterns",
                     "replace_match", "replace_pattern", "set", "truncate_all", "set_semconv_span_name"})
_ESCAPES = set('"\\nrt')
_PATH = re.compile(r"\b([a-z_]+)\.(attributes|name|kind|status|body|severity_text|severity_number|"
                   r"trace_id|span_id|start_time|end_time|dropped_attributes_count|resource|cache)\b")
_EDITOR = re.compile(r"^\s*([a-z_]+)\s*\(")


def _strip_strings(statement: str) -> tuple[str, str]:
    """The statement with string literals blanked out, and a problem ('' if none)."""
    out, i = [], 0
    while i < len(statement):
        char = statement[i]
        if char != '"':
            out.append(char)
            i += 1
            continue
        i += 1
        while i < len(statement) and statement[i] != '"':
            if statement[i] == "\\":
                if i + 1 >= len(statement) or statement[i + 1] not in _ESCAPES:
                    return "", f"invalid escape in a string literal at column {i + 1}"
                i += 1
            i += 1
        if i >= len(statement):
            return "", "unterminated string literal"
        out.append('""')
        i += 1
    return "".join(out), ""


def _balanced(code: str) -> bool:
    stack, pairs = [], {")": "(", "]": "["}
    for char in code:
        if char in "([":
            stack.append(char)
        elif char in ")]" and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


def check(section: str, statement: str) -> str:
    """A problem with one statement of `section` (trace_statements...), or ''."""
    if not isinstance(statement, str):
        return ""  # a statement group: its own keys are checked by the key list
    code, problem = _strip_strings(statement)
    if problem:
        return problem
    if not _balanced(code):
        return "unbalanced parentheses or brackets"
    editor = _EDITOR.match(code)
    if not editor or editor.group(1) not in EDITORS:
        return "does not start with an OTTL editor such as set(...) or delete_key(...)"
    for context, _ in _PATH.findall(code):
        if context not in CONTEXTS[section]:
            return f"path context {context!r} is not available in {section} ({', '.join(sorted(CONTEXTS[section]))})"
    return ""
