"""The app's pages: URL key, file under ``pages/``, title, icon. No Streamlit here (tests read it).

Which role opens which page is in ``workbench.auth.PAGE_ROLES``; every file named here must exist
(the page smoke test fails otherwise).
"""

from __future__ import annotations

# key, file, title, icon
PAGE_SPECS: list[tuple[str, str, str, str]] = [
    ("models", "models.py", "Models", ":material/view_list:"),
    ("predict", "predict.py", "Predict", ":material/play_circle:"),
    ("compare", "compare.py", "Compare", ":material/compare_arrows:"),
    ("batch", "batch.py", "Batch", ":material/table_view:"),
    ("payload_check", "payload_check.py", "Check a payload", ":material/healing:"),
    ("explain", "explain.py", "Explain", ":material/lightbulb:"),
    ("history", "history.py", "History", ":material/history:"),
    ("feedback_review", "feedback_review.py", "Feedback review", ":material/rate_review:"),
    ("monitor", "monitor.py", "Monitor", ":material/monitoring:"),
    ("health", "health.py", "Health", ":material/notifications_active:"),
    ("publish", "publish.py", "Publish", ":material/publish:"),
    ("admin", "admin.py", "Admin", ":material/admin_panel_settings:"),
]
