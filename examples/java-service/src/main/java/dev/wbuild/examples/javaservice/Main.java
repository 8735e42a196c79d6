package dev.wbuild.examples.javaservice;

import java.io.IOException;

/** Entry point: {@code java -jar java-service.jar}; PORT overrides the default 8080. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        Server server = new Server(port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("shutting down");
            server.close();
        }));
        server.start();
        System.out.println(Greeting.SERVICE_NAME + " listening on :" + server.port());
    }
}
