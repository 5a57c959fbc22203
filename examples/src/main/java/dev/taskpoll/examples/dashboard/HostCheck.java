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

    /**
     * An IPv4 literal (the forms {@code a}, {@code a.b}, {@code a.b.c}, {@code a.b.c.d}, as {@code inet_aton} reads
     * them) or a bracketed IPv6 literal that is a loopback address. Never a name lookup: {@code InetAddress.getByName}
     * looks up, on this event loop, any text it cannot parse as a literal ({@code 1.2.3.4.5}, say); in brackets it
     * refuses a bad IPv6 literal instead.
     */
    private static boolean loopbackLiteral(String h) {
        if (h.startsWith("[") && h.endsWith("]")) {
            if (!h.substring(1, h.length() - 1).matches("[0-9a-f:.]+")) {
                return false;
            }
            try {
                return java.net.InetAddress.getByName(h).isLoopbackAddress(); // bracketed: parsed, never looked up
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        String[] parts = h.split("\\.", -1);
        if (parts.length > 4) {
            return false;
        }
        long first = -1;
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].matches("[0-9]{1,10}")) {
                return false;
            }
            long v = Long.parseLong(parts[i]);
            // the last part fills the bytes left: 4 - (parts - 1) of them; each other part is one byte
            long limit = i == parts.length - 1 ? 1L << (8 * (4 - i)) : 256;
            if (v >= limit) {
                return false;
            }
            if (i == 0) {
                first = parts.length == 1 ? v >>> 24 : v;
            }
        }
        return first == 127;
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
