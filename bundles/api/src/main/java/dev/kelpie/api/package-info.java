/** Kelpie's root API package: the exception every Kelpie failure derives from. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.kelpie.api;
