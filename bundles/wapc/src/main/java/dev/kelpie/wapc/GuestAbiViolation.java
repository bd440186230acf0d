package dev.kelpie.wapc;

/** Thrown from a waPC import when the guest breaks the ABI (a pointer or length outside its memory). */
final class GuestAbiViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GuestAbiViolation(String message) {
        super(message, null, false, false);
    }
}
