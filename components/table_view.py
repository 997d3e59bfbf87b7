"""Tables people can read whole: one rule for every ``st.dataframe`` the pages draw.

- a column empty in every row is left out (a column of blanks says nothing and pushes the rest off screen);
- a text column with long values gets a column as wide as its longest value (at most ``WIDEST``, "large") so descriptions, URLs and inputs
  read to their end instead of "Predicts the cultiv";
- the table is as tall as its rows up to ``MAX_ROWS``, then scrolls: no row is cut in half;
- one record with many fields reads as a two-column field / value table (``record_frame``), not one wide row;
- a table fits the page at 1024 px (about ``FITS_PX`` of grid): a few rows too wide become a static table
  that wraps its text; a long one keeps the columns a person scans and moves the rest (``details=``) to a
  detail view of the row picked, so nothing runs past the right edge;
- text cells go through ``plain`` (bidi controls visible, no "None");
- headers the workbench names read as words ("rows rejected" -> "Rows rejected", "request id" -> "Request ID");
  a table whose columns are a person's or a model's names (``own_headers=False``) keeps them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from components.text import md_escape, plain, plain_frame, unbroken
from workbench.time_text import whens

LONG_TEXT = 24   # characters: a value longer than this gets a column sized to it
CHAR_PX, WIDEST = 7, 400  # about 7 px a character in the grid's font; Streamlit's "large" is 400 px
MAX_ROWS = 20    # rows shown before the table scrolls
FITS_PX = 560    # the main column's width at a 1024 px window with the sidebar open
ROW_PX = 35      # Streamlit's row (and header) height in pixels


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


def empty_columns(frame: pd.DataFrame, *, keep: Iterable[str] = ()) -> list[str]:
    """Columns with no value in any row (none when the table has no rows: its headers say what would be there)."""
    if frame.empty:
        return []
    kept = set(keep)
    return [c for c in frame.columns if c not in kept and all(_blank(v) for v in frame[c])]


def fit_height(rows: int) -> int:
    """Pixels that show ``rows`` rows and the header whole, up to ``MAX_ROWS`` rows."""
    return (min(max(rows, 1), MAX_ROWS) + 1) * ROW_PX + 3


def long_text_columns(frame: pd.DataFrame) -> list[str]:
    """Text columns with a value longer than ``LONG_TEXT`` characters, but the first: it names the row, and
    widening it pushes the values off screen."""
    return [c for c in frame.select_dtypes(include="object").columns
            if c != frame.columns[0] and frame[c].map(lambda v: len(str(v)) if not _blank(v) else 0).max() > LONG_TEXT]


def text_width(column: pd.Series) -> int:
    """Pixels that show the column's longest value whole, at most ``WIDEST`` (then the cell cuts, the grid scrolls)."""
    longest = max([len(str(column.name))] + [len(str(v)) for v in column if not _blank(v)])
    return min(longest * CHAR_PX + 24, WIDEST)


def column_width(column: pd.Series) -> int:
    """About the pixels the grid gives ``column`` unconfigured: its longest value or header, at most ``WIDEST``."""
    return text_width(column.astype(str))


def table_width(frame: pd.DataFrame) -> int:
    """About the pixels ``frame`` needs side by side; over ``FITS_PX`` it runs past the edge at 1024 px."""
    return sum(column_width(frame[c]) for c in frame.columns)


_ACRONYMS = {"id": "ID", "url": "URL", "ms": "ms", "utc": "UTC", "csv": "CSV"}


def heading(name: str) -> str:
    """A column the workbench named, as a header: first letter up, underscores as spaces, acronyms in capitals."""
    words = [_ACRONYMS.get(w.lower(), w) for w in str(name).replace("_", " ").split(" ")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def record_frame(record: Mapping[str, Any], names: tuple[str, str] = ("feature", "value")) -> pd.DataFrame:
    """One record as rows of (name, value): a case with 13 features reads down, not off the right edge."""
    return pd.DataFrame({names[0]: [str(k) for k in record],
                         names[1]: ["" if _blank(v) else plain(_whole(v)) for v in record.values()]})


def _whole(value: Any) -> Any:
    """110.0 reads as 110 (a float column's whole numbers); every other value as it is."""
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else value


def shown_table(frame: pd.DataFrame, *, keep: Iterable[str] = ()) -> pd.DataFrame:
    """``frame`` as the screen shows it: empty columns out, text plain."""
    return plain_frame(frame.drop(columns=empty_columns(frame, keep=keep)))


def render_table(frame: pd.DataFrame, *, key: str | None = None, column_config: dict[str, Any] | None = None,
                 keep: Iterable[str] = (), drop_empty: bool = True, details: Iterable[str] = (),
                 keep_whole: Iterable[str] = (), own_headers: bool = True, **options: Any) -> pd.DataFrame:
    """Draw ``frame`` by the rules above and return the table as shown (downloads use the original).

    ``drop_empty=False`` for a person's own data (a preview, rejected rows): there an empty column is news.
    ``details``: columns left out of the grid and shown, with every other column, for the row a person picks.
    ``keep_whole``: short columns whose values must not wrap inside themselves when the table is static
    ("any (seen 11.03 to 14.83)" split over two lines); the other columns wrap to make room.
    ``own_headers=False``: the columns are feature or file column names, shown exactly as named."""
    moved = [c for c in details if c in frame.columns]
    if own_headers:
        column_config = _headed(frame.columns, column_config)
    if not moved:
        return _draw(frame, key, column_config, keep, drop_empty, options, keep_whole=tuple(keep_whole))[0]
    if key is None:
        raise ValueError("a table with a detail view needs a key (the picked row is kept under it)")
    whole = frame.reset_index(drop=True)
    st.caption("Tick a row's box to see all of it below.")
    shown, event = _draw(whole.drop(columns=moved), key, column_config, keep, drop_empty,
                         {**options, "on_select": "rerun", "selection_mode": "single-row"})
    rows = list(event.selection.rows) if hasattr(event, "selection") else []
    if rows and rows[0] < len(whole):
        labels = {c: (v or {}).get("label") or c for c, v in (column_config or {}).items()}
        record = {labels.get(c, c): v for c, v in whole.iloc[rows[0]].to_dict().items()}
        _draw(record_frame(record, ("field", "value")), f"{key}.detail", _headed(("field", "value"), None), (), True, {})
    return shown


def _headed(columns: Iterable[Any], column_config: dict[str, Any] | None) -> dict[str, Any]:
    """``column_config`` with a ``heading`` label for every column it leaves unlabelled (or labels as named)."""
    config = dict(column_config or {})
    for column in columns:
        entry = config.get(column)
        if entry is None:
            config[column] = {"label": heading(column)}
        elif isinstance(entry, dict) and entry.get("label") in (None, "", column):
            config[column] = {**entry, "label": heading(column)}
    return config


def _draw(frame: pd.DataFrame, key: str | None, column_config: dict[str, Any] | None, keep: Iterable[str],
          drop_empty: bool, options: dict[str, Any], *, keep_whole: tuple[str, ...] = ()) -> tuple[pd.DataFrame, Any]:
    shown = shown_table(frame, keep=keep) if drop_empty else plain_frame(frame)
    config = {c: st.column_config.TextColumn(c, width=text_width(shown[c])) for c in long_text_columns(shown)}
    for column, entry in (column_config or {}).items():
        if column in shown.columns:  # a header alone keeps the width measured above; any other config replaces it
            only_label = isinstance(entry, dict) and set(entry) == {"label"} and column in config
            config[column] = {**config[column], **entry} if only_label else entry
    if _wraps(shown, config, options):
        labels = {c: v.get("label") or c for c, v in config.items() if isinstance(v, dict)}
        static = _static_cells(shown, config)
        for column in (c for c in keep_whole if c in static.columns):
            static[column] = [unbroken(v) if isinstance(v, str) else v for v in static[column]]
        static = static.rename(columns=labels)
        # st.table reads Markdown: every cell and header escaped; it wraps long text inside the page's width.
        st.table(static.map(lambda v: md_escape(_whole(v))).rename(columns=md_escape), hide_index=True)
        return shown, None
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    options.setdefault("height", fit_height(len(shown)))
    return shown, st.dataframe(shown, key=key, column_config=config, **options)


def _static_cells(shown: pd.DataFrame, config: dict[str, Any]) -> pd.DataFrame:
    """The grid's formats for a static table: times to the minute, numbers as their column says (``%.2f``)."""
    out = shown.copy()
    for column in out.columns:
        kind = ((config.get(column) or {}).get("type_config") or {}) if isinstance(config.get(column), dict) else {}
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = whens(out[column])
        elif kind.get("type") == "number" and str(kind.get("format") or "").startswith("%"):
            out[column] = [kind["format"] % v if not _blank(v) else "" for v in out[column]]
    return out


def _wraps(shown: pd.DataFrame, config: dict[str, Any], options: dict[str, Any]) -> bool:
    """A few rows too wide for a laptop, with nothing to click (links, a row to pick): a static table that
    wraps its text reads whole; a grid would run past the right edge."""
    links = any(isinstance(v, dict) and (v.get("type_config") or {}).get("type") == "link" for v in config.values())
    return (not links and "on_select" not in options and 0 < len(shown) <= MAX_ROWS
            and table_width(shown) > FITS_PX)


def render_facts(record: Mapping[str, Any], names: tuple[str, str] = ("setting", "value")) -> None:
    """A few facts with long values (paths, URLs) as a static table that wraps them: nothing cut at 1024 px.
    ``st.table`` reads Markdown, so every cell is escaped."""
    frame = record_frame(record, names)
    st.table(frame.map(md_escape).rename(columns=heading), hide_index=True)


MARK_STYLE = "background-color: #fde2e1; color: #8a1c1c; font-weight: 600"
"""A marked cell (a file's cell the model would refuse): pale red, dark red bold text, readable in both themes."""


def render_marked_table(frame: pd.DataFrame, marked: set[tuple[Any, str]], *, key: str) -> None:
    """A person's own rows as read, index shown (their row numbers), the cells in ``marked`` ((index, column))
    coloured; text plain, every column kept (an empty one is news here)."""
    shown = plain_frame(frame)
    # A styled table formats numbers itself (1000.500000): they are written as read instead (1000.5).
    styled = shown.style.apply(lambda col: [MARK_STYLE if (row, col.name) in marked else "" for row in col.index]) \
        .format(lambda v: f"{v:.10g}" if isinstance(v, float) else v) if marked else shown
    st.dataframe(styled, key=key, width="stretch", height=fit_height(len(shown)))
