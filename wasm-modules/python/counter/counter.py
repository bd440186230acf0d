# The counter example actor (type counter-python): a count in the actor's state, a signed 64-bit integer
# like the other languages' counters (Python's own ints are unbounded).
#   increment [amount]  adds the amount (default 1) and answers the new count
#   get                 answers the count (0 when unset)
#   reset               deletes it and answers 0
#   remind delay_ms [amount]  sets the durable reminder "remind": in delay_ms it sends increment with the
#                       amount (empty: 1), after a restart too; answers ok (needs the namespace reminders)
from kelpie import reminders, state

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


def _is_integer(text):
    digits = text[1:] if text.startswith("-") else text
    return bool(digits) and all("0" <= c <= "9" for c in digits) and _MIN <= int(text) <= _MAX


def _amount(payload):
    if not payload:
        return 1
    text = payload.decode()
    if not _is_integer(text):
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


def remind(payload):
    text = payload.decode()
    parts = text.split(" ", 1)
    amount = parts[1] if len(parts) == 2 else ""
    if not _is_integer(parts[0]) or int(parts[0]) < 0 or (amount and not _is_integer(amount)):
        raise ValueError("bad remind payload: " + text)
    reminders.set("remind", "increment", int(parts[0]), 0, amount)
    return "ok"
