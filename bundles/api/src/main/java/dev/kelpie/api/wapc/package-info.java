/** The waPC host: instances of guest modules and calls into them. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package dev.kelpie.api.wapc;
