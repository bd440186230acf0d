package dev.kelpie.host.log;

import dev.kelpie.api.host.HostFunction;
import java.lang.System.Logger.Level;
import org.osgi.service.component.annotations.Component;

/** {@code kelpie/log/error}: logs the payload text at {@link Level#ERROR}; response empty. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + LogHostFunctions.NAMESPACE,
    HostFunction.OPERATION + "=" + LogHostFunctions.ERROR
})
public final class LogError extends LogHostFunction {
    public LogError() {
        this(LogSink.SYSTEM);
    }

    LogError(LogSink sink) {
        super(Level.ERROR, sink);
    }
}
