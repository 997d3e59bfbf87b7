"""The publish inputs' examples are whole in their boxes: a half-width box shows about 20 characters at 1024 px, and
"Grades an orchard's crop from its variety, age and rainfall." was cut to "...its variety, a"."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

HALF_BOX_CHARS = 20


def inputs_app():
    from components.publish_form import render_publish_inputs

    render_publish_inputs(key="t")


def test_every_example_fits_its_box():
    at = AppTest.from_function(inputs_app).run()
    assert not at.exception, at.exception
    shown = {t.label: t.placeholder for t in at.text_input}
    assert shown and all(len(p or "") <= HALF_BOX_CHARS for p in shown.values()), shown
