// Kelpie's Go `greeter` actor: calls a host function and another actor, like the C greeter
// (wasm-modules/c/greeter).
//
//	operation       payload                  result
//	greet           a name (empty: `world`)  the answer of host function kelpie/greeting/hello for the name
//	greet_counted   a name (empty: `world`)  the greeting, then ` Visitor number <n>.`, n from `increment`
//	                                         on actor (`counter`, <name>)
//	other                                    error `unknown operation: <op>` (from the SDK)
//
// Errors: `greeting failed: <host error>` (for example when no greeting host function is installed),
// `counter failed: <error>` (the actor call's error). Each greeting is logged at info level.
package main

import (
	"errors"

	"kelpie.dev/guest/kelpie"
)

func nameOf(payload []byte) string {
	if len(payload) == 0 {
		return "world"
	}
	return string(payload)
}

func greeting(name string) ([]byte, error) {
	text, err := kelpie.HostCall(kelpie.Binding, "greeting", "hello", []byte(name))
	if err != nil {
		return nil, errors.New("greeting failed: " + err.Error())
	}
	kelpie.LogInfo("greeted " + name)
	return text, nil
}

func main() {
	kelpie.Handle("greet", func(payload []byte) ([]byte, error) {
		return greeting(nameOf(payload))
	})
	kelpie.Handle("greet_counted", func(payload []byte) ([]byte, error) {
		name := nameOf(payload)
		text, err := greeting(name)
		if err != nil {
			return nil, err
		}
		count, err := kelpie.CallActor("counter", name, "increment", nil)
		if err != nil {
			return nil, errors.New("counter failed: " + err.Error())
		}
		kelpie.ConsoleLog(name + " is visitor " + string(count))
		return append(append(text, " Visitor number "...), append(count, '.')...), nil
	})
	kelpie.Serve()
}
