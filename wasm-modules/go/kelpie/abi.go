//go:build wasip1

package kelpie

import "unsafe"

// The Kelpie Go convention: the host hands the guest its next call.
// prevResult reports the previous call's outcome (1 ok, 0 error; 1 before the first call).
// The answer packs the operation's length (high 32 bits) and the payload's length (low 32 bits),
// or is -1 when the instance is closing and Serve must return.
//
//go:wasmimport kelpie_go next_call
func nextCall(prevResult uint32) int64

//go:wasmimport wapc __guest_request
func guestRequest(opPtr unsafe.Pointer, ptr unsafe.Pointer)

//go:wasmimport wapc __guest_response
func guestResponse(ptr unsafe.Pointer, length uint32)

//go:wasmimport wapc __guest_error
func guestError(ptr unsafe.Pointer, length uint32)

//go:wasmimport wapc __host_call
func hostCall(bdPtr unsafe.Pointer, bdLen uint32, nsPtr unsafe.Pointer, nsLen uint32,
	opPtr unsafe.Pointer, opLen uint32, ptr unsafe.Pointer, length uint32) uint32

//go:wasmimport wapc __host_response_len
func hostResponseLen() uint32

//go:wasmimport wapc __host_response
func hostResponse(ptr unsafe.Pointer)

//go:wasmimport wapc __host_error_len
func hostErrorLen() uint32

//go:wasmimport wapc __host_error
func hostError(ptr unsafe.Pointer)

//go:wasmimport wapc __console_log
func consoleLog(ptr unsafe.Pointer, length uint32)

// ptrOf is the address of a byte slice's first byte, or nil for an empty slice.
func ptrOf(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// strPtr is the address of a string's first byte, or nil for an empty string.
func strPtr(s string) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.StringData(s))
}
