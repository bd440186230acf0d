package dev.kelpie.host.log;

import dev.kelpie.api.host.HostFunction;
import java.lang.System.Logger.Level;
import org.osgi.service.component.annotations.Component;

/** {@code kelpie/log/info}: logs the payload text at {@link Level#INFO}; response empty. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + LogHostFunctions.NAMESPACE,
    HostFunction.OPERATION + "=" + LogHostFunctions.INFO
})
public final class LogInfo extends LogHostFunction {
    public LogInfo() {
        this(LogSink.SYSTEM);
    }

    LogInfo(LogSink sink) {
        super(Level.INFO, sink);
    }
}
