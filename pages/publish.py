"""Publish a model: a trained model file and its reference rows in, a served version analysts can try out."""

from __future__ import annotations

import streamlit as st

from workbench.ui.publish import publish_page_body

st.title("Publish a model")
publish_page_body()
