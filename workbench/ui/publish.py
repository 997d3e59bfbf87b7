"""The Publish page's glue: read the uploads, show the form analysts will get, publish with each step on screen.

Publishing runs in the script (a minute at most: the model is loaded and tried, the registry written, the
server loads the version) inside ``st.status``, whose lines are the steps as ``workbench.publish`` reports them.
"""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from components.publish_form import INPUT_KINDS, PublishInputs, render_input_editor, render_publish_inputs
from components.text import md, md_escape
from mds_client import MDSError
from mds_client.registry import MlflowRegistry
from mds_client.schema import from_reference
from workbench.catalog.service import schema_table
from workbench.publish import PublishRequest, embedded_target, publish, registry_url
from workbench.publish.mlflow_folder import form_origin, upload_form
from workbench.publish.template_files import is_template
from workbench.ui import resources, state

PAGE = "publish"
STEP_WORDS = {"checked": "Checked", "registered": "Registered", "serving": "Serving", "ready": "Ready",
              "warning": "Warning"}


def read_reference(upload) -> pd.DataFrame | None:
    """The uploaded CSV, or None after saying on the page what is wrong with it."""
    try:
        frame = pd.read_csv(io.BytesIO(upload.getvalue()))
    except (ValueError, UnicodeDecodeError) as exc:
        st.error(md("{} cannot be read as CSV: {}", upload.name, exc), icon=":material/error:")
        return None
    if frame.empty or len(frame.columns) == 0:
        st.error(md("{} has no rows: give rows like the training data, with a header.", upload.name),
                 icon=":material/error:")
        return None
    return frame


def publish_page_body() -> None:
    settings = resources.settings()
    st.caption(md("Upload {}. A model file runs the code it names when it is opened: publish only files you trust.",
                  INPUT_KINDS))
    inputs = render_publish_inputs(key=PAGE, is_template=lambda upload: is_template(upload.getvalue(), upload.name))
    if inputs.model is not None and is_template(inputs.model.getvalue(), inputs.model.name):
        st.warning("A Seldon template's code runs on the model server, as a service of its own, each time it "
                   "starts: publish only code you trust.", icon=":material/warning:")
    reference = read_reference(inputs.reference) if inputs.reference is not None else None
    if inputs.reference is not None and reference is None:
        return
    try:  # an MLflow model folder (.zip): its signature makes the form, reference rows are optional
        folder_form = upload_form(inputs.model.getvalue(), inputs.model.name, reference) if inputs.model else None
    except MDSError as exc:
        st.error(md_escape(str(exc)), icon=":material/error:")
        return
    if reference is None and folder_form is None:
        st.info("Upload the reference rows to see the form analysts will get (an MLflow model folder's .zip needs "
                "none).", icon=":material/upload_file:")
        return
    st.subheader("The form analysts will get")
    if folder_form is not None:
        schema, warnings = folder_form
        st.caption(md("{}: describe each input and give its unit where it has one.", form_origin(schema, reference)))
        for warning in warnings:
            st.warning(md_escape(warning), icon=":material/warning:")
    else:
        schema = from_reference(reference)
        st.caption(md("{} inputs from {} reference rows: the kinds and ranges come from the rows; describe each "
                      "input and give its unit where it has one.", len(reference.columns), len(reference)))
    table = schema_table(schema)
    edited = render_input_editor(table, key=f"{PAGE}.inputs")
    ready = bool(inputs.name and inputs.model is not None)
    if not ready:
        st.caption("Give the model a name and upload its file to publish it.")
    if st.button("Publish", key=f"{PAGE}.go", type="primary", disabled=not ready):
        _publish(inputs, pd.DataFrame() if reference is None else reference, table, edited, settings)


def _words(table: pd.DataFrame, edited: pd.DataFrame, column: str) -> dict[str, str]:
    """What was typed in ``column``, by the input's own name (rows keep their order in the editor)."""
    typed = edited[column].tolist() if column in edited.columns else []
    return {name: str(value).strip() for name, value in zip(table["feature"], typed, strict=False)
            if isinstance(value, str) and value.strip()}


def _publish(inputs: PublishInputs, reference: pd.DataFrame, table: pd.DataFrame, edited: pd.DataFrame,
             settings) -> None:
    request = PublishRequest(name=inputs.name, model=inputs.model.getvalue(), file_name=inputs.model.name,
                             reference=reference, description=inputs.description,
                             descriptions=_words(table, edited, "description"), units=_words(table, edited, "unit"),
                             alias=inputs.alias or None, template_class=inputs.template_class)
    client = resources.client()
    with st.status(md("Publishing {}", inputs.name), expanded=True) as status:
        def progress(step: str, sentence: str) -> None:
            status.write(md("**{}** {}", STEP_WORDS.get(step, step), sentence))

        try:
            registry = MlflowRegistry(registry_url(settings.home, settings.mlflow_uri), transport=client.transport)
            done = publish(request, registry=registry, target=embedded_target(settings.home), user=state.username(),
                           transport=client.transport, progress=progress)
        except MDSError as exc:
            status.update(label=md("Not published: {}", inputs.name), state="error")
            st.error(md_escape(str(exc)), icon=":material/error:")
            return
        status.update(label=md("Published {} version {}", done.name, done.version), state="complete", expanded=True)
    resources.refresh()  # the new version is in the catalog now: every page reads it afresh
    st.success(md("{} version {} is ready{}.", done.name, done.version,
                  f" as {done.alias}" if done.alias else ""), icon=":material/check_circle:")
    predict = state.page("predict")
    if predict is not None:
        st.page_link(predict, label=md("Try {} on Predict", done.name), icon=":material/play_circle:",
                     query_params={"model": done.name})

