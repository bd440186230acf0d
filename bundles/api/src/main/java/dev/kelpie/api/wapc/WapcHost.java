package dev.kelpie.api.wapc;

import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.CompiledModule;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** Creates waPC instances of compiled modules and dispatches their host calls to host functions. */
@ProviderType
public interface WapcHost {

    /**
     * Instantiates a module: links the nine {@code wapc} imports and whatever the best-fitting guest
     * adapter supplies, then runs the init convention ({@code _start}, {@code _initialize},
     * {@code wapc_init}, each when exported; {@code proc_exit(0)} during init is success).
     *
     * @throws ModuleInstantiationException naming the module and what is missing or failed
     */
    WapcInstance instantiate(CompiledModule module, InstanceOptions options);

    /** Keys of the host functions guests can call now. */
    List<HostFunctionKey> hostFunctions();

    /** Languages of the guest adapters available now. */
    List<String> guestAdapters();
}
