package dev.kelpie.launcher;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * A Gogo command session seen through reflection (the launcher is outside the framework and does not share
 * Gogo's classes): the console's {@link Console.Shell}.
 */
final class GogoShell implements Console.Shell, AutoCloseable {
    private final BundleContext context;
    private final ServiceReference<?> ref;
    private final Object session;
    private final Method execute;
    private final Method format;
    private final Method get;
    private final Method close;
    private final int inspect;

    private GogoShell(BundleContext context, ServiceReference<?> ref, Object session, Class<?> sessionType, int inspect)
            throws NoSuchMethodException {
        this.context = context;
        this.ref = ref;
        this.session = session;
        this.execute = sessionType.getMethod("execute", CharSequence.class);
        this.format = sessionType.getMethod("format", Object.class, int.class);
        this.get = sessionType.getMethod("get", String.class);
        this.close = sessionType.getMethod("close");
        this.inspect = inspect;
    }

    /** A session of the running command processor, or null when there is none. */
    static GogoShell open(BundleContext context, InputStream in, OutputStream out, OutputStream err) throws Exception {
        ServiceReference<?> ref = context.getServiceReference(Main.COMMAND_PROCESSOR);
        if (ref == null) {
            return null;
        }
        Object processor = context.getService(ref);
        Class<?> sessionType = ref.getBundle().loadClass(Main.COMMAND_SESSION);
        int inspect = ref.getBundle().loadClass(Main.CONVERTER).getField("INSPECT").getInt(null);
        Method createSession = Main.interfaceMethod(processor.getClass(), Main.COMMAND_PROCESSOR, "createSession",
                InputStream.class, OutputStream.class, OutputStream.class);
        Object session = createSession.invoke(processor, in, out, err);
        GogoShell shell = new GogoShell(context, ref, session, sessionType, inspect);
        // as etc/gosh_profile sets it for Gogo's console: Gogo's own commands first, others by unique name
        shell.execute("SCOPE = 'gogo:*'");
        return shell;
    }

    @Override
    public Object execute(String line) throws Exception {
        try {
            return execute.invoke(session, line);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    @Override
    public String format(Object result) throws Exception {
        return String.valueOf(format.invoke(session, result, inspect));
    }

    @Override
    public Collection<String> commands() {
        try {
            Object commands = get.invoke(session, ".commands");
            return commands instanceof Collection<?> c ? c.stream().map(String::valueOf).toList() : Set.of();
        } catch (ReflectiveOperationException e) {
            return Set.of();
        }
    }

    @Override
    public List<String> candidates(String kind, String type) {
        try {
            Object text = execute("kelpie:complete " + kind + (type.isEmpty() ? "" : " '" + type.replace("'", "") + "'"));
            String s = text == null ? "" : text.toString();
            return s.isEmpty() ? List.of() : List.of(s.split("\n"));
        } catch (Exception e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        try {
            close.invoke(session);
        } catch (ReflectiveOperationException ignored) {
            // closing a session of a stopped processor
        }
        context.ungetService(ref);
    }
}
