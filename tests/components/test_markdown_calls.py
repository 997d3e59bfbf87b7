"""Every text that reaches a Markdown-rendering Streamlit call is ours or escaped (``components/text.py``).

Streamlit renders Markdown in alerts, captions, titles, metric labels and values, widget and tab labels
and help tooltips. This test reads the source of every page, component, controller and the app entry
and fails on a call whose text is built from a variable that did not go through ``md`` / ``md_escape``
(or a function named ``*_md``, whose own ``return`` values are checked the same way). It is the class of
bug behind "a CSV column name became a live image": one unescaped f-string.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted([*REPO.glob("components/*.py"), *REPO.glob("pages/*.py"), *REPO.glob("workbench/ui/*.py"),
                  REPO / "workbench" / "app.py"])

# call name -> positional arguments that are Markdown (None: all of them)
MARKDOWN_ARGS: dict[str, tuple[int, ...] | None] = {
    "markdown": (0,), "caption": (0,), "write": None, "success": (0,), "info": (0,), "warning": (0,),
    "error": (0,), "title": (0,), "header": (0,), "subheader": (0,), "toast": (0,), "metric": (0, 1, 2),
    "expander": (0,), "tabs": (0,), "popover": (0,), "status": (0,), "spinner": (0,), "progress": (1,),
    "button": (0,), "download_button": (0,), "link_button": (0,), "page_link": (1,), "form_submit_button": (0,),
    "checkbox": (0,), "toggle": (0,), "radio": (0, 1), "selectbox": (0,), "multiselect": (0,), "slider": (0,),
    "select_slider": (0,), "text_input": (0,), "text_area": (0,), "number_input": (0,), "date_input": (0,),
    "time_input": (0,), "file_uploader": (0,), "color_picker": (0,), "segmented_control": (0, 1), "pills": (0, 1),
}
MARKDOWN_KEYWORDS = {"body", "label", "help", "text", "caption"}
METRIC_KEYWORDS = {"value", "delta"}
SAFE_CALLS = {"md", "md_escape", "len", "int", "float", "round"}
NUMERIC_SPEC = re.compile(r"(,|[.]\d+)?[dfFgGeE%n,]$|^,$")


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def safe(node: ast.expr | None) -> bool:
    """True when ``node`` can only produce text we wrote or text that was escaped."""
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(safe(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values):
            text = "".join(str(v.value) for v in spec.values)
            if NUMERIC_SPEC.search(text):
                return True  # a number format: the value is a number
        return safe(node.value)
    if isinstance(node, ast.Call):
        name = _call_name(node.func)
        if isinstance(node.func, ast.Attribute) and name == "get":  # CONSTANT_WORDS.get(key, "default")
            return safe(node.func.value) and all(safe(a) for a in node.args[1:])
        if name == "join" and isinstance(node.func, ast.Attribute):  # "\n".join(md(...) for ...)
            arg = node.args[0] if node.args else None
            inner = arg.elt if isinstance(arg, (ast.GeneratorExp, ast.ListComp)) else arg
            return safe(node.func.value) and safe(inner)
        return bool(name) and (name in SAFE_CALLS or name.endswith("_md") or name == "strftime")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return safe(node.left) and safe(node.right)
    if isinstance(node, ast.IfExp):
        return safe(node.body) and safe(node.orelse)
    if isinstance(node, ast.BoolOp):
        return all(safe(v) for v in node.values)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(safe(e) for e in node.elts)
    if isinstance(node, (ast.ListComp, ast.GeneratorExp)):  # [md_escape(x) for x in xs]
        return safe(node.elt)
    if isinstance(node, ast.Name):
        # module constants (ALL_CAPS) are our own words; a name ending in _md holds escaped Markdown
        # (its assignments are checked below)
        return node.id.isupper() or node.id.endswith("_md")
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Name) and node.value.id.isupper()
    return False


def _markdown_funcs(func: ast.expr, modules: set[str]) -> list[str]:
    if isinstance(func, ast.IfExp):  # (st.error if bad else st.success)(text)
        return _markdown_funcs(func.body, modules) + _markdown_funcs(func.orelse, modules)
    if not isinstance(func, ast.Attribute) or func.attr not in MARKDOWN_ARGS:
        return []
    # resources.status(ref) is ours, not Streamlit's: skip calls on other imported modules
    receiver = func.value
    if isinstance(receiver, ast.Call) or (isinstance(receiver, ast.Name) and receiver.id in modules):
        return []  # client().status(ref), resources.status(...): ours, not Streamlit's
    return [func.attr]


def _imported_modules(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names - {"st"}


def _options_drawn_safely(call: ast.Call) -> int:
    """The index of a choice widget's options when a safe ``format_func`` draws them (else 0)."""
    fmt = next((k.value for k in call.keywords if k.arg == "format_func"), None)
    name = _call_name(call.func)
    if fmt is None or name not in ("radio", "selectbox", "multiselect", "select_slider") or len(call.args) < 2:
        return 0
    if isinstance(fmt, ast.Name) and (fmt.id in SAFE_CALLS or fmt.id.endswith("_md")):
        return 1
    if isinstance(fmt, ast.Lambda) and safe(fmt.body):
        return 1
    return 0


def violations(source: str, filename: str = "<source>") -> list[str]:
    tree = ast.parse(source, filename)
    modules = _imported_modules(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for name in _markdown_funcs(node.func, modules):
                positions = MARKDOWN_ARGS[name]
                keywords = MARKDOWN_KEYWORDS | (METRIC_KEYWORDS if name == "metric" else set())
                args = [a for i, a in enumerate(node.args) if positions is None or i in positions]
                if i_options := _options_drawn_safely(node):  # options go through format_func=md_escape
                    args = [a for a in args if a is not node.args[i_options]]
                args += [k.value for k in node.keywords if k.arg in keywords]
                for arg in args:
                    if not safe(arg):
                        found.append(f"{filename}:{arg.lineno}: {name}({ast.unparse(arg)[:80]})")
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.endswith("_md") and not safe(node.value):
                    found.append(f"{filename}:{node.lineno}: {target.id} = {ast.unparse(node.value)[:80]}")
        if isinstance(node, ast.FunctionDef) and node.name.endswith("_md"):
            for ret in (n for n in ast.walk(node) if isinstance(n, ast.Return)):
                if not safe(ret.value):
                    found.append(f"{filename}:{ret.lineno}: {node.name} returns {ast.unparse(ret.value)[:80]}")
    return found


def test_no_unescaped_text_reaches_markdown():
    problems = [v for path in SOURCES for v in violations(path.read_text(), str(path.relative_to(REPO)))]
    assert not problems, "Escape these with components.text.md / md_escape:\n" + "\n".join(problems)


@pytest.mark.parametrize(("code", "ok"), [
    ('st.caption("Only our words")', True),
    ('st.caption(f"{n:,} rows")', True),
    ('st.caption(md("Not used: {}", cols))', True),
    ('st.caption(f"Not used: {cols}")', False),
    ('st.error(str(exc))', False),
    ('st.error(md_escape(str(exc)))', True),
    ('c1.metric("Model", result.model)', False),
    ('st.selectbox(feature, options)', False),
    ('st.tabs(["Why", name])', False),
    ('st.button("Go", help=f"about {thing}")', False),
    ('(st.warning if bad else st.caption)(message)', False),
    ('st.markdown(f"**{VERDICT_WORDS[v]}**")', True),
    ('from workbench.ui import resources\nresources.status(ref)', True),
    ('st.toggle("Use it", value=flag)', True),
    ('def badge_md(s):\n    return f"[{s}]"', False),
    ('rows_md = f"- {user}"', False),
    ('rows_md = "\\n".join(md("- {}", u) for u in users)\nst.info("Users:" + rows_md)', True),
    ('st.caption(BADGES.get(status, "Unknown"))', True),
    ('st.caption(thing.get(status, "Unknown"))', False),
])
def test_the_checker_itself(code, ok):
    assert (not violations(code)) is ok
