"""Helpers the 三定点 (vehicle) operator tests share: an expected refusal, and a reader's notices."""
from __future__ import annotations

import pytest

from engine.errors import RefusalError
from warehouse.notices import for_principal


class Reader:
    """The two things `for_principal` reads of a principal."""

    def __init__(self, username, grants):
        self.username, self.grants = username, grants


def notice_titles(demo, user, grants) -> list[str]:
    return [n["title"] for n in for_principal(demo.db, Reader(user, grants))[0]]


def refused(call, name, code, **params) -> RefusalError:
    """Calling operator `name` is refused with error code `code`; the refusal, for more checks."""
    with pytest.raises(RefusalError) as err:
        call(name, **params)
    assert err.value.error_code == code, err.value.message
    return err.value
