# The counter example actor (type counter-python): a count in the actor's state, a signed 64-bit integer
# like the other languages' counters (Python's own ints are unbounded).
#   increment [amount]  adds the amount (default 1) and answers the new count
#   get                 answers the count (0 when unset)
#   reset               deletes it and answers 0
from kelpie import state

_MIN = -(1 << 63)
_MAX = (1 << 63) - 1


def _count():
    value = state.get("count")
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        raise ValueError("bad count in state: " + value.decode())


def _amount(payload):
    if not payload:
        return 1
    text = payload.decode()
    digits = text[1:] if text.startswith("-") else text
    if not digits or not all("0" <= c <= "9" for c in digits) or not _MIN <= int(text) <= _MAX:
        raise ValueError("bad amount: " + text)
    return int(text)


def increment(payload):
    count = _count() + _amount(payload)
    if not _MIN <= count <= _MAX:
        raise OverflowError("count overflow")
    state.set("count", str(count))
    return str(count)


def get(payload):
    return str(_count())


def reset(payload):
    state.delete("count")
    return "0"
