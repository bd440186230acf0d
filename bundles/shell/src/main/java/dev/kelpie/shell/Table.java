package dev.kelpie.shell;

import java.util.ArrayList;
import java.util.List;

/** A text table: a header row and rows, columns padded to their widest cell, two spaces apart. */
final class Table {
    private final String[] headers;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = headers.clone();
        this.rightAligned = new boolean[headers.length];
    }

    /** Right-aligns these columns (numbers). */
    Table right(int... columns) {
        for (int c : columns) {
            rightAligned[c] = true;
        }
        return this;
    }

    Table add(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + headers.length + " columns");
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = cells[i] == null ? "" : cells[i].toString();
        }
        rows.add(row);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String render() {
        int[] widths = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            widths[i] = headers[i].length();
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, headers, widths);
        for (String[] row : rows) {
            out.append('\n');
            line(out, row, widths);
        }
        return out.toString();
    }

    private void line(StringBuilder out, String[] cells, int[] widths) {
        int start = out.length();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                out.append("  ");
            }
            String pad = " ".repeat(widths[i] - cells[i].length());
            if (rightAligned[i]) {
                out.append(pad).append(cells[i]);
            } else {
                out.append(cells[i]).append(pad);
            }
        }
        int end = out.length();
        while (end > start && out.charAt(end - 1) == ' ') {
            end--;
        }
        out.setLength(end);
    }
}
