package dev.kelpie.extender;

import java.io.IOException;
import java.io.InputStream;

/** A module bundle as {@link BundleDeployments} sees it: an OSGi bundle, or a stand-in in tests. */
interface ModuleBundle {
    long id();

    /** Symbolic name and version, for messages. */
    String name();

    String symbolicName();

    /** The {@value ModuleHeader#NAME} header, or null. */
    String header();

    /** Whether the bundle is starting or active now (its deployment is still wanted). */
    boolean isActive();

    /** Opens an entry of the bundle, or returns null when there is none. */
    InputStream open(String path) throws IOException;
}
