package dev.wbuild.examples.javaservice;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Wires the routes onto a JDK {@link HttpServer}. */
public final class Server implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService pool;

    public Server(int port) throws IOException {
        http = HttpServer.create(new InetSocketAddress("0.0.0.0", port), 0);
        pool = Executors.newFixedThreadPool(4);
        http.setExecutor(pool);
        http.createContext("/", this::route);
    }

    public void start() {
        http.start();
    }

    /** The bound port (useful when constructed with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(1);
        pool.shutdownNow();
    }

    private void route(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getRawPath();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
            } else if ("/".equals(path)) {
                send(ex, 200, "text/plain; charset=utf-8", Greeting.line() + "\n");
            } else if ("/healthz".equals(path)) {
                send(ex, 200, "text/plain; charset=utf-8", "ok\n");
            } else if (path.startsWith("/hello/") && path.indexOf('/', 7) < 0 && path.length() > 7) {
                String name = URLDecoder.decode(path.substring(7), StandardCharsets.UTF_8);
                try {
                    send(ex, 200, "application/json", Greeting.jsonField("message", Greeting.line(name)) + "\n");
                } catch (IllegalArgumentException e) {
                    send(ex, 400, "application/json", Greeting.jsonField("error", e.getMessage()) + "\n");
                }
            } else {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n");
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
