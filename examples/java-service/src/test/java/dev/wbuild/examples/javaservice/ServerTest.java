package dev.wbuild.examples.javaservice;

import static org.junit.Assert.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

public class ServerTest {
    private static Server server;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeClass
    public static void start() throws Exception {
        server = new Server(0); // any free port
        server.start();
    }

    @AfterClass
    public static void stop() {
        server.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.port() + path);
        return CLIENT.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void index() throws Exception {
        HttpResponse<String> res = get("/");
        assertEquals(200, res.statusCode());
        assertEquals("hello from java-service\n", res.body());
    }

    @Test
    public void healthz() throws Exception {
        HttpResponse<String> res = get("/healthz");
        assertEquals(200, res.statusCode());
        assertEquals("ok", res.body().trim());
    }

    @Test
    public void helloJson() throws Exception {
        HttpResponse<String> res = get("/hello/Grace%20Hopper");
        assertEquals(200, res.statusCode());
        assertEquals("{\"message\":\"hello Grace Hopper, from java-service\"}\n", res.body());
    }

    @Test
    public void unknownPathIs404() throws Exception {
        assertEquals(404, get("/nope").statusCode());
    }
}
