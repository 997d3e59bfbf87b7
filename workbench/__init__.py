"""MDS Workbench: a Streamlit workbench for models served by Seldon Core / MLServer."""
