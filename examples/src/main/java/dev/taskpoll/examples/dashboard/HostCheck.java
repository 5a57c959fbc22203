package dev.taskpoll.examples.dashboard;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * A dashboard bound to a loopback address answers only requests whose {@code Host} names it: {@code localhost},
 * {@code 127.0.0.1}, {@code ::1}, or the address it is bound to. Another site's page whose domain is made to resolve
 * to 127.0.0.1 (DNS rebinding) is same-origin with the dashboard as far as the browser knows, and could otherwise read
 * its streams and start paid generations with its key; its requests carry that domain as their {@code Host}, and get
 * 403. Bound to every address ({@code 0.0.0.0}, {@code ::}), or to a non-loopback one, the dashboard is open to that
 * network by choice, and no name is refused (so is one whose {@code server.address} is unset: Spring Boot binds it to
 * every address).
 */
final class HostCheck implements WebFilter {

    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1", "[::1]");

    private final String address;
    private final boolean check;

    /** Built once, on the application's start (the address is resolved here, never on an event loop). */
    HostCheck(String address) {
        this.address = address.toLowerCase(Locale.ROOT);
        boolean loopback;
        try {
            loopback = !address.isEmpty() && java.net.InetAddress.getByName(address).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            loopback = false; // the server could not bind it either
        }
        this.check = loopback;
    }

    /**
     * Whether a request naming {@code host} (without its port; empty when it named none) may be answered: any, unless
     * the dashboard is bound to a loopback address; then the loopback names, the address, and any loopback IP
     * literal ({@code 127.1}, {@code [0:0:0:0:0:0:0:1]}: a rebinding page names a domain, never a literal). A request
     * without a {@code Host} (HTTP/1.0, from a script) is answered: a browser always sends one.
     */
    boolean allows(String host) {
        if (!check || host.isEmpty()) {
            return true;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) { // the absolute form of the same name
            h = h.substring(0, h.length() - 1);
        }
        return LOOPBACK_NAMES.contains(h) || h.equals(address) || h.equals("[" + address + "]") || loopbackLiteral(h);
    }

    /** An IPv4 or bracketed IPv6 literal that is a loopback address; parsed without any lookup. */
    private static boolean loopbackLiteral(String h) {
        boolean v4 = h.matches("[0-9.]+");
        boolean v6 = h.startsWith("[") && h.endsWith("]") && h.substring(1, h.length() - 1).matches("[0-9a-f:.]+");
        if (!v4 && !v6) {
            return false;
        }
        try { // a literal: InetAddress parses it, no name service is asked
            return java.net.InetAddress.getByName(v6 ? h.substring(1, h.length() - 1) : h).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        java.net.InetSocketAddress host = exchange.getRequest().getHeaders().getHost();
        String name = host == null ? "" : host.getHostString();
        if (allows(name)) {
            return chain.filter(exchange);
        }
        var response = exchange.getResponse();
        response.setStatusCode(HttpStatus.FORBIDDEN);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        String message = "Host: '" + name + "' is not this dashboard's address (" + address + "); open it as"
                + " http://localhost or http://" + address + " (another site's page may not use it)";
        byte[] body = Generations.JSON.createObjectNode().put("status", 403).put("message", message).toString()
                .getBytes(StandardCharsets.UTF_8);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }
}
