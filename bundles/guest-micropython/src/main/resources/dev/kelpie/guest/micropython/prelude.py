# Kelpie's Python prelude: runs once in every activation, before the actor's source. It defines the
# `kelpie` module (sys.modules) and the two entry points the Java side calls: _kelpie_load (runs the actor's
# source) and _kelpie_dispatch (one call). The js.kelpie_* functions are the instance's waPC host functions
# (dev.kelpie.guest.micropython.JsBridge): ints in, an int out, pointers taken with uctypes.addressof.
import sys
import io
import js
from uctypes import addressof as _addr, bytearray_at as _bytearray_at

_guest_request = js.kelpie_guest_request
_guest_response = js.kelpie_guest_response
_host_call = js.kelpie_host_call
_host_response_len = js.kelpie_host_response_len
_host_response = js.kelpie_host_response
_host_error_len = js.kelpie_host_error_len
_host_error = js.kelpie_host_error
_console_log = js.kelpie_console_log
_MAX_ERROR_CHARS = 8000


def _bytes(value, what):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(what + " must be bytes or str, not " + type(value).__name__)


class HostError(Exception):
    """A host call failed; the exception's text is the host's error."""


class _Namespace:
    pass


kelpie = _Namespace()
kelpie.__name__ = "kelpie"
kelpie.HostError = HostError


def host_call(namespace, operation, payload=b"", binding="kelpie"):
    """Calls the host function binding/namespace/operation; returns its response bytes or raises HostError."""
    b = _bytes(binding, "binding")
    n = _bytes(namespace, "namespace")
    o = _bytes(operation, "operation")
    p = _bytes(payload, "payload")
    if _host_call(_addr(b), len(b), _addr(n), len(n), _addr(o), len(o), _addr(p), len(p)) == 1:
        r = bytearray(_host_response_len())
        if r:
            _host_response(_addr(r))
        return bytes(r)
    e = bytearray(_host_error_len())
    if e:
        _host_error(_addr(e))
    raise HostError(bytes(e).decode())


def _malformed(op):
    return HostError("malformed response from kelpie." + op)


def _flag(r, op):
    """A one-byte answer: 1 is True, 0 False, anything else malformed."""
    if len(r) != 1 or r[0] > 1:
        raise _malformed(op)
    return r[0] == 1


def _state_get(key):
    """The value of a key of this actor's state, as bytes, or None."""
    r = host_call("state", "get", key)
    if not r or r[0] > 1 or (r[0] == 0 and len(r) != 1):
        raise _malformed("state.get")
    return r[1:] if r[0] == 1 else None


def _state_set(key, value):
    """Sets a key of this actor's state (committed when the call succeeds)."""
    k = _bytes(key, "key")
    n = len(k)
    host_call("state", "set", bytes((n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >> 24) & 255)) + k
              + _bytes(value, "value"))


def _state_delete(key):
    """Deletes a key of this actor's state; True when it had a value."""
    return _flag(host_call("state", "delete", key), "state.delete")


def _state_keys(prefix=""):
    """The keys of this actor's state that start with prefix, in ascending order."""
    r = host_call("state", "keys", prefix)
    return bytes(r).decode().split("\n") if r else []


state = _Namespace()
state.get = _state_get
state.set = _state_set
state.delete = _state_delete
state.keys = _state_keys
kelpie.state = state


def _logger(level):
    def log(text):
        host_call("log", level, str(text))
    return log


log = _Namespace()
for _level in ("debug", "info", "warn", "error"):
    setattr(log, _level, _logger(_level))
kelpie.log = log


def call(type, id, operation, payload=b""):
    """Calls operation of the actor type:id and returns its response bytes (HostError on failure)."""
    return host_call("actors", "call", _bytes(type, "type") + b"\n" + _bytes(id, "id") + b"\n"
                     + _bytes(operation, "operation") + b"\n" + _bytes(payload, "payload"))


def console(text):
    """Writes one line to the host's guest console (like print, without a level)."""
    t = str(text).encode()
    _console_log(_addr(t), len(t))


def _millis(value, what):
    if type(value) is not int:
        raise TypeError(what + " must be an int (milliseconds), not " + type(value).__name__)
    if value < 0:
        raise ValueError(what + " must be zero or more, was " + str(value))
    return str(value).encode()


def _schedule(kind, name, operation, delay_ms, period_ms, payload):
    n = _bytes(name, "name")
    o = _bytes(operation, "operation")
    if b"\n" in n or b"\n" in o:
        raise ValueError("name and operation must not contain a newline")
    host_call(kind, "set", n + b"\n" + o + b"\n" + _millis(delay_ms, "delay_ms") + b"\n"
              + _millis(period_ms, "period_ms") + b"\n" + _bytes(payload, "payload"))


def _timers_set(name, operation, delay_ms, period_ms=0, payload=b""):
    """Sets (or replaces) the timer name: sends this actor operation with payload after delay_ms, then every
    period_ms (0: once), while the actor is active. Needs the host namespace timers."""
    _schedule("timers", name, operation, delay_ms, period_ms, payload)


def _timers_cancel(name):
    """Cancels the timer name; True if there was one."""
    return _flag(host_call("timers", "cancel", name), "timers.cancel")


def _reminders_set(name, operation, delay_ms, period_ms=0, payload=b""):
    """Sets (or replaces) the durable reminder name: stored by the host, it sends this actor operation with
    payload after delay_ms (activating it, after restarts too), at least once, then every period_ms (0: once).
    Needs the host namespace reminders."""
    _schedule("reminders", name, operation, delay_ms, period_ms, payload)


def _reminders_cancel(name):
    """Cancels the reminder name; True if there was one."""
    return _flag(host_call("reminders", "cancel", name), "reminders.cancel")


def _reminders_list():
    """The names of this actor's reminders, sorted, as a list of str."""
    r = host_call("reminders", "list")
    return bytes(r).decode().split("\n") if r else []


timers = _Namespace()
timers.set = _timers_set
timers.cancel = _timers_cancel
kelpie.timers = timers

reminders = _Namespace()
reminders.set = _reminders_set
reminders.cancel = _reminders_cancel
reminders.list = _reminders_list
kelpie.reminders = reminders

kelpie.host_call = host_call
kelpie.call = call
kelpie.console = console
sys.modules["kelpie"] = kelpie

_actor = {}
_handlers = {}
_FunctionType = type(_bytes)


def _format(e):
    b = io.StringIO()
    sys.print_exception(e, b)
    # the prelude's own frames (it runs as <stdin>) say nothing about the actor
    t = "".join(line for line in b.getvalue().splitlines(True) if not line.startswith('  File "<stdin>"'))
    if len(t) > _MAX_ERROR_CHARS:
        half = _MAX_ERROR_CHARS // 2
        t = t[:half] + "\n  ...(" + str(len(t) - _MAX_ERROR_CHARS) + " characters left out)...\n" + t[-half:]
    return t


def _kelpie_load(ptr, length, name_ptr, name_length):
    """Runs the actor's source; None when it loaded, else the error text (with its traceback)."""
    try:
        name = bytes(_bytearray_at(name_ptr, name_length)).decode()
        source = bytes(_bytearray_at(ptr, length)).decode()
        _actor["__name__"] = "__actor__"
        exec(compile(source, name, "exec"), _actor)
    except BaseException as e:
        return _format(e)
    for k, v in _actor.items():
        if type(v) is _FunctionType and not k.startswith("_") and v.__globals__ is _actor:
            _handlers[k] = v
    if not _handlers:
        return name + " defines no operation: an operation is a top-level function (def) whose name does not start with _"
    return None


def _kelpie_dispatch(op_length, payload_length):
    """One call: 1 when answered, else the error text (the Java side passes it to __guest_error)."""
    try:
        op = bytearray(op_length)
        payload = bytearray(payload_length)
        _guest_request(_addr(op), _addr(payload))
        name = bytes(op).decode()
        f = _handlers.get(name)
        if f is None:
            return "unknown operation: " + name + " (operations: " + ", ".join(sorted(_handlers)) + ")"
        r = f(bytes(payload))
        if r is None:
            r = b""
        elif isinstance(r, str):
            r = r.encode()
        elif isinstance(r, (bytearray, memoryview)):
            r = bytes(r)
        elif not isinstance(r, bytes):
            return "operation '" + name + "' returned " + type(r).__name__ + "; an operation returns bytes, str or None"
        _guest_response(_addr(r), len(r))
        return 1
    except BaseException as e:
        return _format(e)
