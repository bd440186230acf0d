package dev.kelpie.host.log;

import dev.kelpie.api.host.HostFunction;
import java.lang.System.Logger.Level;
import org.osgi.service.component.annotations.Component;

/** {@code kelpie/log/warn}: logs the payload text at {@link Level#WARNING}; response empty. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + LogHostFunctions.NAMESPACE,
    HostFunction.OPERATION + "=" + LogHostFunctions.WARN
})
public final class LogWarn extends LogHostFunction {
    public LogWarn() {
        this(LogSink.SYSTEM);
    }

    LogWarn(LogSink sink) {
        super(Level.WARNING, sink);
    }
}
