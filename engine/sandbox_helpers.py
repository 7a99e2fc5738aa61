"""What sandboxed code may use, and the runtime guards RestrictedPython calls.

Everything here is handed to code compiled by engine.sandbox: the safe builtins and helpers
(make_builtins), the bounded operators (`a * b` is compiled to `_mul_(a, b)` and so on), the
attribute/item guards and the JSON-like test for script results. Nothing here gives access to
modules, files, frames or the interpreter; guarded_getattr keeps scripts away from the dunder
attributes of these objects.

Limits (refused with SandboxViolation, reported to people as a ScriptError):
  * range() longer than MAX_RANGE items;
  * str/bytes/list/tuple results of `*` or `+` longer than MAX_SEQUENCE items;
  * int results of `**`, `*` and `<<` wider than MAX_INT_BITS bits;
  * printf-style `%` formats with `*` or a width/precision above MAX_FORMAT_WIDTH;
  * str.ljust/rjust/center/zfill/expandtabs results longer than MAX_SEQUENCE;
  * int()/round() of a Decimal with more than MAX_INT_DIGITS digits before the point
    (CPython needs ~30 s for int(Decimal('1e999999')));
  * more than MAX_STAR_ARGS arguments passed through *args / **kwargs.
"""
from __future__ import annotations

import json as _json
import operator
import re
import types
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable
from uuid import UUID

from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from .jsonvalues import json_default

MAX_RANGE = 1_000_000
MAX_SEQUENCE = 10_000_000
MAX_INT_BITS = 100_000
MAX_INT_DIGITS = 4_300  # the same bound CPython puts on int <-> str conversion
MAX_FORMAT_WIDTH = 99_999
MAX_STAR_ARGS = 1_000

# Refused on every object (names starting with `_` are refused too).
FORBIDDEN_ATTRIBUTES = INSPECT_ATTRIBUTES | {
    "format", "format_map", "mro", "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code",
    "cr_await", "ag_frame", "ag_code", "ag_await", "f_globals", "f_locals", "f_builtins",
    "f_back", "f_code", "f_trace", "tb_frame", "tb_next", "co_code",
}
_PADDING = {"ljust", "rjust", "center", "zfill", "expandtabs"}


class SandboxViolation(BaseException):
    """A script asked for something the sandbox refuses.

    Derives from BaseException so that `except Exception:` inside a script cannot swallow it.
    The message is shown to process designers.
    """


# ---------------------------------------------------------------------------
# Bounded operators (the compiler turns `a * b` into `_mul_(a, b)` and so on)
# ---------------------------------------------------------------------------

_SEQUENCES = (str, bytes, bytearray, list, tuple)


def _refuse_long(n: int) -> None:
    raise SandboxViolation(f"结果太长（{n} 项，最多允许 {MAX_SEQUENCE} 项）")


def _refuse_big_int() -> None:
    raise SandboxViolation(f"整数太大（超过 {MAX_INT_BITS} 位二进制）")


def _check_add(a, b) -> None:
    if isinstance(a, _SEQUENCES) and isinstance(b, (*_SEQUENCES, range)):
        n = len(a) + len(b)
        if n > MAX_SEQUENCE:
            _refuse_long(n)


def _check_mul(a, b) -> None:
    if isinstance(a, int) and isinstance(b, _SEQUENCES):
        a, b = b, a
    if isinstance(a, _SEQUENCES) and isinstance(b, int):
        if len(a) * b > MAX_SEQUENCE:
            _refuse_long(len(a) * b)
    elif isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            _refuse_big_int()


def _check_pow(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if a.bit_length() * b > MAX_INT_BITS:
            _refuse_big_int()


def _check_lshift(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and b > 0:
        if a.bit_length() + b > MAX_INT_BITS:
            _refuse_big_int()


# %[(key)][flags][width][.precision]: a `*` or a too-large number is refused.
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_mod(a, b) -> None:
    if isinstance(a, (bytes, bytearray)):
        a = a.decode("latin-1")
    if not isinstance(a, str) or "%" not in a:
        return
    for width, precision in _PRINTF_SPEC.findall(a):
        for part in (width, precision):
            if part == "*" or (part and int(part) > MAX_FORMAT_WIDTH):
                raise SandboxViolation(
                    f"% 格式中的宽度或精度不允许用 * 或超过 {MAX_FORMAT_WIDTH}")
    values = b if isinstance(b, tuple) else b.values() if isinstance(b, dict) else (b,)
    for value in values:
        check_decimal_size(value)


def guarded_add(a, b):
    _check_add(a, b)
    return a + b


def guarded_mul(a, b):
    _check_mul(a, b)
    return a * b


def guarded_pow(a, b):
    _check_pow(a, b)
    return a ** b


def guarded_lshift(a, b):
    _check_lshift(a, b)
    return a << b


def guarded_mod(a, b):
    _check_mod(a, b)
    return a % b


_INPLACE: dict[str, tuple[Callable | None, Callable]] = {
    "+=": (_check_add, operator.iadd), "-=": (None, operator.isub),
    "*=": (_check_mul, operator.imul), "/=": (None, operator.itruediv),
    "//=": (None, operator.ifloordiv), "%=": (_check_mod, operator.imod),
    "**=": (_check_pow, operator.ipow), "<<=": (_check_lshift, operator.ilshift),
    ">>=": (None, operator.irshift), "&=": (None, operator.iand), "|=": (None, operator.ior),
    "^=": (None, operator.ixor), "@=": (None, operator.imatmul),
}


def guarded_inplacevar(op: str, x, y):
    """`x op= y` on a plain name (RestrictedPython's _inplacevar_ hook), with the same bounds."""
    check, func = _INPLACE[op]
    if check is not None:
        check(x, y)
    return func(x, y)


def guarded_apply(func, *args, **kwargs):
    """Calls written with *args / **kwargs (RestrictedPython's _apply_ hook)."""
    if len(args) + len(kwargs) > MAX_STAR_ARGS:
        raise SandboxViolation(f"调用参数太多（最多 {MAX_STAR_ARGS} 个）")
    return func(*args, **kwargs)


# ---------------------------------------------------------------------------
# Safe builtins
# ---------------------------------------------------------------------------

def check_decimal_size(value) -> None:
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() >= MAX_INT_DIGITS:
        raise SandboxViolation(f"数值太大（整数部分超过 {MAX_INT_DIGITS} 位）")


def safe_range(*args):
    """range() that refuses more than MAX_RANGE items."""
    r = range(*args)
    try:
        n = len(r)
    except OverflowError:
        n = MAX_RANGE + 1
    if n > MAX_RANGE:
        raise SandboxViolation(f"range() 太长（{n} 项，最多允许 {MAX_RANGE} 项）")
    return r


def safe_sum(iterable, /, start=0):
    """sum() of numbers only: sum(lists, []) is quadratic and unbounded."""
    if isinstance(start, _SEQUENCES):
        raise SandboxViolation("sum() 只能用于数字；拼接列表或字符串请用列表推导式或 ''.join()")
    return sum(iterable, start)


def safe_round(number, ndigits=None):
    check_decimal_size(number)
    return round(number) if ndigits is None else round(number, ndigits)


class _IntType(type):
    """Makes `isinstance(x, int)` and `issubclass(bool, int)` work for the safe int below."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, int)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, int)


class safe_int(metaclass=_IntType):
    """int() that refuses Decimals too large to convert in reasonable time; returns a real int."""

    def __new__(cls, x=0, *args):
        check_decimal_size(x)
        return int(x, *args)


# ---------------------------------------------------------------------------
# Runtime guards
# ---------------------------------------------------------------------------

def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """RestrictedPython's _getattr_: no `_` names, no frame/format/mro attributes."""
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    if name.startswith("_") or name in FORBIDDEN_ATTRIBUTES:
        raise SandboxViolation(f"不允许访问属性 .{name}")
    if name in _PADDING and isinstance(obj, (str, bytes)):
        return _bounded_padding(obj, name)
    if name == "as_integer_ratio":  # builds a huge int from a huge Decimal
        check_decimal_size(obj)
    return getattr(obj, name, *default)


def _bounded_padding(text: str | bytes, name: str):
    method = getattr(text, name)

    def padded(*args, **kwargs):
        size = args[0] if args else kwargs.get("width", kwargs.get("tabsize", 8))
        if name == "expandtabs" and isinstance(size, int):
            size = len(text) + text.count("\t" if isinstance(text, str) else b"\t") * size
        if isinstance(size, int) and size > MAX_SEQUENCE:
            raise SandboxViolation(f"结果太长（{size} 个字符，最多允许 {MAX_SEQUENCE} 个）")
        return method(*args, **kwargs)
    return padded


def no_checkpoint() -> bool:
    """Stands in for the per-call CPU checkpoint of code that cannot loop."""
    return True


class NoPrint:
    """print() in a script does nothing (RestrictedPython's _print_ protocol)."""

    def __init__(self, _getattr_=None):
        pass

    def _call_print(self, *args, **kwargs):
        return None

    def __call__(self):
        return ""


def guarded_getitem(obj, index):
    """RestrictedPython's _getitem_: plain item access (guarding is done on attributes)."""
    return obj[index]


# ---------------------------------------------------------------------------
# JSON-like values
# ---------------------------------------------------------------------------

_SCALARS = (str, int, float, bool, type(None), Decimal, date, timedelta, UUID)
_KEYS = (str, int, float, bool, type(None))
_MAX_DEPTH = 100
_MAX_ITEMS = 1_000_000


def is_json_like(value: Any) -> bool:
    """True if a script result may stay in task data.

    None, bool, int, float, str, Decimal, date, datetime, timedelta, UUID, and dicts (keys
    str/int/float/bool/None), lists and tuples of them: at most _MAX_DEPTH levels deep and
    _MAX_ITEMS containers in all (so reference cycles are refused too).
    """
    if isinstance(value, _SCALARS):
        return True
    budget = _MAX_ITEMS
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, _SCALARS):
            continue
        budget -= 1
        if budget < 0 or depth > _MAX_DEPTH:
            return False  # too big, or a reference cycle
        if isinstance(item, dict):
            if not all(isinstance(key, _KEYS) for key in item):
                return False
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, depth + 1) for v in item)
        else:
            return False
    return True


# ---------------------------------------------------------------------------
# Dates, durations and JSON
# ---------------------------------------------------------------------------

def _to_date_or_datetime(value, what: str) -> date:
    if isinstance(value, date):  # datetime is a date too
        return value
    if isinstance(value, str):
        text = value.strip()
        if "T" in text or " " in text or len(text) > 10:
            return parse_datetime(text)
        return parse_date(text)
    raise ValueError(f"{what} 需要日期或 ISO 8601 日期字符串，收到的是 {type(value).__name__}")


def parse_date(value) -> date:
    """ISO 8601 date ('2026-01-05'); a datetime string gives its date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"parse_date 需要字符串，收到的是 {type(value).__name__}")
    text = value.strip()
    try:
        if len(text) > 10:
            return datetime.fromisoformat(text).date()
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"无法识别的日期 {value!r}（应为 ISO 8601 格式，如 2026-01-05）") from None


def parse_datetime(value) -> datetime:
    """ISO 8601 date-time ('2026-01-05T09:30:00+08:00', 'Z' allowed). Naive stays naive."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise ValueError(f"parse_datetime 需要字符串，收到的是 {type(value).__name__}")
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"无法识别的时间 {value!r}（应为 ISO 8601 格式，如 2026-01-05T09:30:00+08:00）") from None


def add_days(value, n):
    """value (date, datetime or ISO string) plus n calendar days; same type as parsed."""
    return _to_date_or_datetime(value, "add_days") + timedelta(days=n)


def add_working_days(value, n: int):
    """value plus n working days (Monday to Friday; public holidays are not known).

    Counting starts on the next day: Friday + 1 is Monday, Saturday + 1 is Monday.
    A negative n counts backwards; n == 0 returns the day unchanged.
    """
    day = _to_date_or_datetime(value, "add_working_days")
    if not isinstance(n, int):
        raise ValueError(f"add_working_days 的天数必须是整数，收到的是 {n!r}")
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    # Every 7 calendar days hold exactly 5 working days, whatever the start.
    weeks = max(remaining - 1, 0) // 5
    day += timedelta(days=7 * weeks * step)
    remaining -= 5 * weeks
    while remaining > 0:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


_NUMBER = r"(\d+(?:[.,]\d+)?)"
_DURATION = re.compile(
    rf"^(-)?P(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$")
_DURATION_DAYS = (365, 30, 7, 1)


def parse_duration(value: str) -> timedelta:
    """ISO 8601 duration PnYnMnWnDTnHnMnS -> timedelta (a year counts 365 days, a month 30)."""
    text = value.strip().upper() if isinstance(value, str) else ""
    match = _DURATION.match(text)
    parts = match.groups()[1:] if match else ()
    if not match or not any(parts) or text.endswith("T"):
        raise ValueError(f"无法识别的时长 {value!r}（应为 ISO 8601 格式，如 P3D、PT2H30M）")
    numbers = [float(p.replace(",", ".")) if p else 0.0 for p in parts]
    days = sum(n * d for n, d in zip(numbers[:4], _DURATION_DAYS))
    hours, minutes, seconds = numbers[4:]
    result = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -result if match.group(1) else result


def _json_dumps(value, *, indent=None, sort_keys=False, ensure_ascii=False):
    """json.dumps; Decimal and timedelta become strings, dates ISO 8601 strings."""
    return _json.dumps(value, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii,
                       default=json_default)


def _json_loads(text):
    return _json.loads(text)


def make_builtins(now: Callable[[], datetime]) -> dict[str, Any]:
    """The names every script sees (before extra helpers). `now` returns an aware UTC datetime."""

    def today() -> date:
        """Today's date in the server's local time zone."""
        return now().astimezone().date()

    return {
        # plain builtins
        "len": len, "min": min, "max": max, "sum": safe_sum, "abs": abs, "round": safe_round,
        "sorted": sorted, "any": any, "all": all, "enumerate": enumerate, "zip": zip,
        "range": safe_range, "list": list, "dict": dict, "set": set, "tuple": tuple, "str": str,
        "int": safe_int, "float": float, "bool": bool, "isinstance": isinstance, "map": map,
        "filter": filter, "reversed": reversed, "slice": slice,
        "True": True, "False": False, "None": None,
        # exceptions scripts may raise and catch (all below Exception, never BaseException)
        "Exception": Exception, "ValueError": ValueError, "TypeError": TypeError,
        "KeyError": KeyError, "IndexError": IndexError, "LookupError": LookupError,
        "ArithmeticError": ArithmeticError, "ZeroDivisionError": ZeroDivisionError,
        # helpers
        "Decimal": Decimal,
        "json": types.SimpleNamespace(loads=_json_loads, dumps=_json_dumps),
        "datetime": datetime, "date": date, "timedelta": timedelta, "timezone": timezone,
        "now": now, "today": today,
        "parse_date": parse_date, "parse_datetime": parse_datetime, "add_days": add_days,
        "add_working_days": add_working_days, "parse_duration": parse_duration,
    }
