package dev.kelpie.shell;

/**
 * A shell command failed. The message is the one line the operator sees (Gogo prints
 * {@code gogo: CommandException: <message>}); it names what was wrong. It carries no stack trace and no
 * cause, so nothing but that line can end up on the console, and line breaks or other control characters
 * in it (from a guest's error text, say) are escaped so that it stays one line.
 */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommandException(String message) {
        super(oneLine(message), null, false, false);
    }

    static String oneLine(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append(' ');
                    break;
                default:
                    if (Character.isISOControl(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.toString();
    }
}
