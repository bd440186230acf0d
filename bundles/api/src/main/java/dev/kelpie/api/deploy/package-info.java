/**
 * Deployment: the one path from module bytes (or an installed module) to a deployed actor type, used by
 * the shell, the module bundle extender and the embedding API alike.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.kelpie.api.deploy;
