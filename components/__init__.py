"""Streamlit widgets that render plain data: ``render_x(data, *, key=...)``; no network calls."""
