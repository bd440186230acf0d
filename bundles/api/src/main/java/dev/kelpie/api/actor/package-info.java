/**
 * Virtual actors: identities, references, native Java actors, their context and state, and the actor
 * runtime service.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.5.0")
package dev.kelpie.api.actor;
