//go:build wasip1

// Package kelpie is Kelpie's SDK for actors written in standard Go (GOOS=wasip1 GOARCH=wasm).
//
// Go before 1.24 cannot export functions, so a Go actor is a WASI command: its main registers
// handlers and calls Serve, which asks the host for one call after another through the import
// kelpie_go.next_call and returns when the host closes the instance (passivation).
//
//	func main() {
//		kelpie.Handle("echo", func(payload []byte) ([]byte, error) { return payload, nil })
//		kelpie.Serve()
//	}
//
// Inside a handler, HostCall and the typed wrappers (State*, Log*, CallActor) reach the host.
// See docs/guests/go.md.
package kelpie

import (
	"errors"

)

// Handler answers one operation: the payload in, the response or an error out.
type Handler func(payload []byte) ([]byte, error)

// Binding is the waPC binding of Kelpie's built-in host functions.
const Binding = "kelpie"

var handlers = map[string]Handler{}

// Handle registers fn for operation op, replacing an earlier handler for op.
func Handle(op string, fn Handler) {
	handlers[op] = fn
}

// Serve answers the host's calls with the registered handlers until the host closes the instance.
// An operation without a handler fails with "unknown operation: <op>". Call it once, from main.
func Serve() {
	result := uint32(1)
	for {
		next := nextCall(result)
		if next < 0 {
			return
		}
		result = serveOne(uint32(uint64(next)>>32), uint32(next))
	}
}

// ServeMap registers every handler of m, then serves.
func ServeMap(m map[string]Handler) {
	for op, fn := range m {
		Handle(op, fn)
	}
	Serve()
}

func serveOne(opLen, payloadLen uint32) uint32 {
	op := make([]byte, opLen)
	payload := make([]byte, payloadLen)
	guestRequest(ptrOf(op), ptrOf(payload))
	fn := handlers[string(op)]
	if fn == nil {
		fail("unknown operation: " + string(op))
		return 0
	}
	response, err := fn(payload)
	if err != nil {
		fail(err.Error())
		return 0
	}
	guestResponse(ptrOf(response), uint32(len(response)))
	return 1
}

func fail(message string) {
	guestError(strPtr(message), uint32(len(message)))
}

// HostCall calls the host function (binding, namespace, operation) with payload and returns its
// response, or an error with the host's error text. Only valid inside a handler.
func HostCall(binding, namespace, operation string, payload []byte) ([]byte, error) {
	ok := hostCall(strPtr(binding), uint32(len(binding)), strPtr(namespace), uint32(len(namespace)),
		strPtr(operation), uint32(len(operation)), ptrOf(payload), uint32(len(payload)))
	if ok != 1 {
		message := make([]byte, hostErrorLen())
		hostError(ptrOf(message))
		return nil, errors.New(string(message))
	}
	response := make([]byte, hostResponseLen())
	hostResponse(ptrOf(response))
	return response, nil
}

// ConsoleLog writes one line to the guest console (waPC __console_log).
func ConsoleLog(message string) {
	consoleLog(strPtr(message), uint32(len(message)))
}

