package dev.wbuild.examples.javaservice;

import org.apache.commons.lang3.StringUtils;

/** Pure greeting logic, independent of HTTP so it is easy to unit-test. */
public final class Greeting {
    public static final String SERVICE_NAME = "java-service";
    public static final int MAX_NAME_LENGTH = 64;

    private Greeting() {
    }

    /** The line served on {@code GET /}. */
    public static String line() {
        return "hello from " + SERVICE_NAME;
    }

    /** A personal greeting, served as JSON on {@code GET /hello/{name}}. */
    public static String line(String name) {
        return "hello " + normaliseName(name) + ", from " + SERVICE_NAME;
    }

    /** Trims, collapses inner whitespace and caps the length; rejects blank names. */
    public static String normaliseName(String raw) {
        String cleaned = StringUtils.normalizeSpace(raw);
        if (StringUtils.isBlank(cleaned)) {
            throw new IllegalArgumentException("name must not be empty");
        }
        return StringUtils.left(cleaned, MAX_NAME_LENGTH);
    }

    /** Minimal JSON string escaping for the one field we emit. */
    public static String jsonField(String key, String value) {
        StringBuilder sb = new StringBuilder("{\"").append(key).append("\":\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append("\"}").toString();
    }
}
