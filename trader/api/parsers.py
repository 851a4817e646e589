"""The API's JSON parser: DRF's, with a body nested too deeply for Python's parser refused as a 400.

``json.loads`` raises ``RecursionError`` (not ``ValueError``) around 1,000 levels; DRF's
parser only catches ``ValueError``, so ``[[[[...]]]]`` 100,000 deep was a 500.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP_MESSAGE = "JSON parse error - nested too deeply"


class JSONParser(parsers.JSONParser):
    """``application/json`` bodies; a ParseError (400) for malformed or too deeply nested JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP_MESSAGE) from None
