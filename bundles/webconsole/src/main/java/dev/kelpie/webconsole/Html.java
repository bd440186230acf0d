package dev.kelpie.webconsole;

/** HTML escaping of text put into element content or a quoted attribute value. */
final class Html {

    private Html() {}

    /** {@code value} (its {@code String.valueOf}) with {@code & < > " '} escaped; {@code null} gives "". */
    static String escape(Object value) {
        if (value == null) {
            return "";
        }
        String s = String.valueOf(value);
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
