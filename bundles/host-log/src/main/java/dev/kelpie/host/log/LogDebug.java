package dev.kelpie.host.log;

import dev.kelpie.api.host.HostFunction;
import java.lang.System.Logger.Level;
import org.osgi.service.component.annotations.Component;

/** {@code kelpie/log/debug}: logs the payload text at {@link Level#DEBUG}; response empty. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + LogHostFunctions.NAMESPACE,
    HostFunction.OPERATION + "=" + LogHostFunctions.DEBUG
})
public final class LogDebug extends LogHostFunction {
    public LogDebug() {
        this(LogSink.SYSTEM);
    }

    LogDebug(LogSink sink) {
        super(Level.DEBUG, sink);
    }
}
