//go:build wasip1

package kelpie

import (
	"errors"
	"strconv"
	"strings"
)

// Timers and reminders: messages an actor sends itself later. A timer lives while the actor is active
// (passivation ends it); a reminder is durable (stored by the host, it fires after restarts too, at least
// once). Names are 1 to 128 of A-Z a-z 0-9 . _ -; a period of 0 means once. The deployment must declare the
// host namespaces "timers" / "reminders".

func schedule(namespace, name, operation string, delayMs, periodMs uint64, payload []byte) error {
	if strings.Contains(name, "\n") || strings.Contains(operation, "\n") {
		return errors.New("name and operation must not contain a newline")
	}
	request := make([]byte, 0, len(name)+len(operation)+44+len(payload))
	request = append(request, name...)
	request = append(request, '\n')
	request = append(request, operation...)
	request = append(request, '\n')
	request = strconv.AppendUint(request, delayMs, 10)
	request = append(request, '\n')
	request = strconv.AppendUint(request, periodMs, 10)
	request = append(request, '\n')
	request = append(request, payload...)
	_, err := HostCall(Binding, namespace, "set", request)
	return err
}

func cancelNamed(namespace, name string) (bool, error) {
	response, err := HostCall(Binding, namespace, "cancel", []byte(name))
	if err != nil {
		return false, err
	}
	if len(response) == 1 && response[0] <= 1 {
		return response[0] == 1, nil
	}
	return false, malformed(namespace + ".cancel")
}

// TimerSet sets (or replaces) the timer name: operation with payload after delayMs, then every periodMs (0: once).
func TimerSet(name, operation string, delayMs, periodMs uint64, payload []byte) error {
	return schedule("timers", name, operation, delayMs, periodMs, payload)
}

// TimerCancel cancels the timer name; true if there was one.
func TimerCancel(name string) (bool, error) { return cancelNamed("timers", name) }

// ReminderSet sets (or replaces) the durable reminder name: operation with payload after delayMs, then every
// periodMs (0: once).
func ReminderSet(name, operation string, delayMs, periodMs uint64, payload []byte) error {
	return schedule("reminders", name, operation, delayMs, periodMs, payload)
}

// ReminderCancel cancels the reminder name; true if there was one.
func ReminderCancel(name string) (bool, error) { return cancelNamed("reminders", name) }

// ReminderList is the names of this actor's reminders, sorted.
func ReminderList() ([]string, error) {
	response, err := HostCall(Binding, "reminders", "list", nil)
	if err != nil || len(response) == 0 {
		return nil, err
	}
	return strings.Split(string(response), "\n"), nil
}
