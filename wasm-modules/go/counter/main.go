// Kelpie's Go `counter` actor: durable state through the host, with the same operations, answers and
// errors as the Rust counter (wasm-modules/rust/counter) for the operations it shares.
//
//	operation       payload                         result
//	increment       empty (+1) or decimal amount    adds the amount to `count`; the new value
//	get             ignored                         the current value (0 when `count` is absent)
//	reset           ignored                         deletes `count`; 0
//	remind          `delay_ms` or `delay_ms amount` sets the durable reminder `remind` (increment with the amount later); `ok`
//	add_then_fail   like increment                  writes count+amount, then error `failed after write`
//	add_then_trap   like increment                  writes count+amount, then panics (the guest exits with code 2)
//	add_then_spin   like increment                  writes count+amount, then loops forever
//	call            `type\nid\noperation\n` + bytes the actor call's response, or error `call failed: <error>`
//	other                                           error `unknown operation: <op>` (from the SDK)
//
// Values are decimal ASCII. An amount is an optional `-` and ASCII digits, fitting in int64; anything
// else is error `bad amount: <payload>`. A stored value that is not such a number gives error
// `bad count in state: <value>`, and an int64 overflow gives error `count overflow`.
package main

import (
	"bytes"
	"errors"
	"strconv"

	"kelpie.dev/guest/kelpie"
)

const countKey = "count"

// spinStop is never set: add_then_spin loops until the host interrupts it.
var spinStop bool

func main() {
	kelpie.Handle("increment", increment)
	kelpie.Handle("get", get)
	kelpie.Handle("reset", reset)
	kelpie.Handle("remind", remind)
	kelpie.Handle("add_then_fail", func(payload []byte) ([]byte, error) {
		if _, err := add(payload); err != nil {
			return nil, err
		}
		return nil, errors.New("failed after write")
	})
	kelpie.Handle("add_then_trap", func(payload []byte) ([]byte, error) {
		if _, err := add(payload); err != nil {
			return nil, err
		}
		panic("add_then_trap")
	})
	kelpie.Handle("add_then_spin", func(payload []byte) ([]byte, error) {
		count, err := add(payload)
		if err != nil {
			return nil, err
		}
		for !spinStop {
		}
		return decimal(count), nil
	})
	kelpie.Handle("call", call)
	kelpie.Serve()
}

// parseInt64 accepts an optional '-' followed by ASCII digits that fit in int64.
func parseInt64(b []byte) (int64, bool) {
	digits := bytes.TrimPrefix(b, []byte("-"))
	if len(digits) == 0 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

func readCount() (int64, error) {
	value, ok, err := kelpie.StateGet(countKey)
	if err != nil || !ok {
		return 0, err
	}
	n, valid := parseInt64(value)
	if !valid {
		return 0, errors.New("bad " + countKey + " in state: " + string(value))
	}
	return n, nil
}

func add(payload []byte) (int64, error) {
	amount := int64(1)
	if len(payload) > 0 {
		var ok bool
		if amount, ok = parseInt64(payload); !ok {
			return 0, errors.New("bad amount: " + string(payload))
		}
	}
	count, err := readCount()
	if err != nil {
		return 0, err
	}
	sum := count + amount
	if (amount > 0 && sum < count) || (amount < 0 && sum > count) {
		return 0, errors.New("count overflow")
	}
	if err := kelpie.StateSet(countKey, decimal(sum)); err != nil {
		return 0, err
	}
	return sum, nil
}

func decimal(n int64) []byte {
	return strconv.AppendInt(nil, n, 10)
}

func increment(payload []byte) ([]byte, error) {
	count, err := add(payload)
	if err != nil {
		return nil, err
	}
	return decimal(count), nil
}

func get([]byte) ([]byte, error) {
	count, err := readCount()
	if err != nil {
		return nil, err
	}
	return decimal(count), nil
}

func reset([]byte) ([]byte, error) {
	if _, err := kelpie.StateDelete(countKey); err != nil {
		return nil, err
	}
	return decimal(0), nil
}

// remind takes `delay_ms` or `delay_ms amount`: a durable reminder sends `increment` with the amount later.
func remind(payload []byte) ([]byte, error) {
	bad := errors.New("bad remind payload: " + string(payload))
	delayText, amount, _ := bytes.Cut(payload, []byte(" "))
	delay, ok := parseInt64(delayText)
	if !ok || delay < 0 {
		return nil, bad
	}
	if len(amount) > 0 {
		if _, ok := parseInt64(amount); !ok {
			return nil, bad
		}
	}
	if err := kelpie.ReminderSet("remind", "increment", uint64(delay), 0, amount); err != nil {
		return nil, err
	}
	return []byte("ok"), nil
}

func call(payload []byte) ([]byte, error) {
	parts := bytes.SplitN(payload, []byte("\n"), 4)
	if len(parts) < 4 {
		return nil, errors.New("bad call payload")
	}
	response, err := kelpie.CallActor(string(parts[0]), string(parts[1]), string(parts[2]), parts[3])
	if err != nil {
		return nil, errors.New("call failed: " + err.Error())
	}
	return response, nil
}
