package dev.taskpoll.internal.http;

import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import java.util.List;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.tcp.SslProvider.ProtocolSslContextSpec;

/**
 * The client side of TLS, one rule for the API's client and for result capture: {@code trusted} certificates, when
 * given, are the only anchors (else the JDK's trust store); the host name is always verified (Reactor Netty's default,
 * and nothing here turns it off); the JDK's TLS unless told OpenSSL, whatever Netty finds on the class path.
 * <p>Call it on the caller's thread, never on an event loop: building the context reads the JDK's trust store from a
 * file when no certificates are given.
 */
public final class Tls {

    private Tls() {
    }

    /**
     * @param trusted the only anchors, or empty for the JDK's trust store
     * @param openSsl OpenSSL (BoringSSL from netty-tcnative) instead of the JDK's TLS
     * @param http2   offer h2 by ALPN besides HTTP/1.1
     * @return the context spec to give {@code HttpClient.secure}
     */
    public static ProtocolSslContextSpec client(List<X509Certificate> trusted, boolean openSsl, boolean http2) {
        SslProvider provider = openSsl ? SslProvider.OPENSSL : SslProvider.JDK;
        java.util.function.Consumer<io.netty.handler.ssl.SslContextBuilder> configure = b -> {
            b.sslProvider(provider);
            if (!trusted.isEmpty()) {
                b.trustManager(trusted);
            }
        };
        return http2 ? Http2SslContextSpec.forClient().configure(configure)
                : Http11SslContextSpec.forClient().configure(configure);
    }
}
