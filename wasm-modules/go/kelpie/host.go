//go:build wasip1

package kelpie

import (
	"encoding/binary"
	"errors"
	"strings"
)

func malformed(function string) error {
	return errors.New("malformed response from " + Binding + "." + function)
}

// StateGet is the value stored under key in the actor's state; ok is false when there is none.
// Writes made during a call are committed when the call succeeds and dropped when it fails.
func StateGet(key string) (value []byte, ok bool, err error) {
	response, err := HostCall(Binding, "state", "get", []byte(key))
	if err != nil {
		return nil, false, err
	}
	switch {
	case len(response) >= 1 && response[0] == 1:
		return response[1:], true, nil
	case len(response) == 1 && response[0] == 0:
		return nil, false, nil
	}
	return nil, false, malformed("state.get")
}

// StateSet stores value under key, replacing any previous value.
func StateSet(key string, value []byte) error {
	payload := make([]byte, 4, 4+len(key)+len(value))
	binary.LittleEndian.PutUint32(payload, uint32(len(key)))
	payload = append(payload, key...)
	payload = append(payload, value...)
	_, err := HostCall(Binding, "state", "set", payload)
	return err
}

// StateDelete removes key; true if it existed.
func StateDelete(key string) (bool, error) {
	response, err := HostCall(Binding, "state", "delete", []byte(key))
	if err != nil {
		return false, err
	}
	if len(response) == 1 && response[0] <= 1 {
		return response[0] == 1, nil
	}
	return false, malformed("state.delete")
}

// StateKeys lists the keys starting with prefix (every key for ""), in the host's order.
func StateKeys(prefix string) ([]string, error) {
	response, err := HostCall(Binding, "state", "keys", []byte(prefix))
	if err != nil || len(response) == 0 {
		return nil, err
	}
	return strings.Split(string(response), "\n"), nil
}

func logAt(level, message string) {
	_, _ = HostCall(Binding, "log", level, []byte(message))
}

// LogDebug, LogInfo, LogWarn and LogError log through the host's logger, tagged with the actor.
// A failing log call is ignored.
func LogDebug(message string) { logAt("debug", message) }

// LogInfo logs at info level.
func LogInfo(message string) { logAt("info", message) }

// LogWarn logs at warn level.
func LogWarn(message string) { logAt("warn", message) }

// LogError logs at error level.
func LogError(message string) { logAt("error", message) }

// CallActor invokes operation on the actor (actorType, id) with payload and returns its response,
// or an error with the target's error text. actorType, id and operation must not contain a newline.
func CallActor(actorType, id, operation string, payload []byte) ([]byte, error) {
	if strings.Contains(actorType, "\n") || strings.Contains(id, "\n") || strings.Contains(operation, "\n") {
		return nil, errors.New("actor type, id and operation must not contain a newline")
	}
	request := make([]byte, 0, len(actorType)+len(id)+len(operation)+3+len(payload))
	for _, part := range []string{actorType, id, operation} {
		request = append(request, part...)
		request = append(request, '\n')
	}
	request = append(request, payload...)
	return HostCall(Binding, "actors", "call", request)
}
