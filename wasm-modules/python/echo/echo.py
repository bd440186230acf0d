# The echo example actor (type echo-python): answers every payload with itself.


def echo(payload):
    return payload
