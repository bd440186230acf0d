// Kelpie's Go `echo` actor: operation `echo` answers its payload unchanged.
package main

import "kelpie.dev/guest/kelpie"

func main() {
	kelpie.Handle("echo", func(payload []byte) ([]byte, error) { return payload, nil })
	kelpie.Serve()
}
