"""What would change if another version had answered a model's logged traffic: the replay's result drawn.

Takes the plain result of ``workbench.replay`` (counts and tables) and draws it: the share of answers that
change, where classes move (logged class x new class) or how far values move, the inputs the changes
concentrate on, the biggest changes and what could not be replayed. Draws only; returns nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from components.numbers import count, number, percent
from components.table_view import render_table
from components.text import md, md_escape

if TYPE_CHECKING:
    from workbench.replay import ReplayResult


def render_replay(result: ReplayResult, *, key: str) -> None:
    """The replay's headline, then its tables; every count says what it counts."""
    st.markdown(md("**{} of {} answers change ({}) on {}**", f"{result.changed:,}", f"{result.answered:,}",
                   percent(result.changed_share), result.target))
    parts_md = [md("{} rows replayed of {} logged (a call may hold several rows)", f"{result.replayed:,}", f"{result.logged:,}")]
    if result.limited:
        parts_md.append("the newest only (the limit)")
    if result.failed:
        parts_md.append(md("{} the new version could not answer", count(result.failed, "row")))
    if result.skipped:
        parts_md.append(md("{} not sent (see below)", count(result.skipped, "call")))
    parts_md.append(md("{} rows/s", f"{result.rows_per_s:,.0f}"))
    st.caption(" · ".join(parts_md))
    if result.confusion is not None and not result.confusion.empty:
        st.markdown("**Where classes move**")
        st.caption(md("Rows: the class logged then. Columns: the class {} gives. Off the diagonal: the changes.",
                      result.target))
        confusion = result.confusion.copy()
        confusion.index = [f"logged {c}" for c in confusion.index]
        render_table(confusion.reset_index(names="logged"), key=f"{key}.confusion", own_headers=False)
    if result.moves is not None:
        moves = result.moves
        st.markdown("**How far values move**")
        st.caption(md("Mean {}, median {}, largest {}; {} move by more than {}.", number(moves.mean),
                      number(moves.median), number(moves.max), percent(moves.share_beyond), number(moves.tolerance)))
    if result.changed and not result.concentration.empty:
        st.markdown("**Where the changes concentrate**")
        for line in result.concentration["summary"].head(5):
            st.caption(md_escape(line))
    if not result.biggest.empty:
        st.markdown("**The biggest changes**")
        render_table(result.biggest, key=f"{key}.biggest", keep_whole=("request_id",))
    for title, table in (("Could not be answered by the new version", result.failures),
                         ("Not sent (the logged call could not be read as this model's input)", result.skips)):
        if not table.empty:
            st.markdown(md("**{}**", title))
            render_table(table, key=f"{key}.{title[:10]}")
    st.download_button("Download every replayed row (CSV)", result.rows.to_csv(index=False),
                       f"replay-{result.model}-to-{result.target.replace('@', '-')}.csv", "text/csv",
                       key=f"{key}.download")
