/** Modules: identity (SHA-256 of the bytes), descriptors, and the module registry service. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.kelpie.api.module;
