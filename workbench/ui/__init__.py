"""Streamlit glue: cached resources, namespaced session state, the shared model picker."""
