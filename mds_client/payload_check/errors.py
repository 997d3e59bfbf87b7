"""Errors of the payload check.

    InputError (mds_client.errors)
    └── PayloadUnreadable      the text is not a payload the check will read
        ├── PayloadTooLarge    over the size limit (checked before any parsing)
        └── PayloadTooDeep     nested deeper than any real payload (checked before json parsing)
"""

from __future__ import annotations

from mds_client.errors import InputError


class PayloadUnreadable(InputError):
    hint = "Paste the JSON body of the request (or the whole curl command)."


class PayloadTooLarge(PayloadUnreadable):
    hint = "Check a few rows here; score large files with Batch or `mds predict`."


class PayloadTooDeep(PayloadUnreadable):
    hint = "A model payload is a table or a tensor: a few levels deep at most."
