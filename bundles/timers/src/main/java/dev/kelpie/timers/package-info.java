/**
 * Timers and durable reminders of actors, as services for native Java actors and other Java code. WASM
 * actors reach the same services through the host functions {@code kelpie/timers/{set,cancel}} and
 * {@code kelpie/reminders/{set,cancel,list}}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.kelpie.timers;
