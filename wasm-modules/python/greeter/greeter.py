# The greeter example actor (type greeter-python): greets through the host function greeting/hello
# (examples/host-greeting) and counts visitors on the actor type `counter`.
#   greet [name]          "Hello, <name>!" (name defaults to world)
#   greet_counted [name]  the same plus " Visitor number <n>." from counter:<name>
import kelpie


def _name(payload):
    return payload.decode() if payload else "world"


def _greeting(name):
    try:
        text = kelpie.host_call("greeting", "hello", name)
    except kelpie.HostError as e:
        raise RuntimeError("greeting failed: " + str(e))
    kelpie.log.info("greeted " + name)
    return text


def greet(payload):
    return _greeting(_name(payload))


def greet_counted(payload):
    name = _name(payload)
    text = _greeting(name)
    try:
        count = kelpie.call("counter", name, "increment")
    except kelpie.HostError as e:
        raise RuntimeError("counter failed: " + str(e))
    kelpie.console(name + " is visitor " + count.decode())
    return text + b" Visitor number " + count + b"."
