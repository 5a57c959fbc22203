package dev.taskpoll.testkit;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.time.Duration;
import java.time.Instant;

/**
 * The certificates of a simulator that serves https: a certificate authority made for this run, and the server's
 * certificate it issued, for {@code 127.0.0.1} and {@code localhost}. Generated at start (ECDSA P-256, valid from an
 * hour ago for two days, by the wall clock, which is what TLS checks), never written anywhere but where asked. A
 * client trusts the authority ({@link Simulator#certificateAuthority()}); nothing needs verification turned off.
 */
record SimTls(X509Bundle authority, X509Bundle server) {

    static SimTls generate() {
        Instant now = Instant.now();
        Instant from = now.minus(Duration.ofHours(1));
        Instant until = now.plus(Duration.ofDays(2));
        try {
            X509Bundle ca = new CertificateBuilder().ecp256().subject("CN=taskpoll simulator test CA")
                    .setIsCertificateAuthority(true)
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.keyCertSign, CertificateBuilder.KeyUsage.cRLSign)
                    .notBefore(from).notAfter(until).buildSelfSigned();
            X509Bundle server = new CertificateBuilder().ecp256().subject("CN=localhost")
                    .addSanIpAddress("127.0.0.1").addSanDnsName("localhost")
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                    .addExtendedKeyUsageServerAuth()
                    .notBefore(from).notAfter(until).buildIssuedBy(ca);
            return new SimTls(ca, server);
        } catch (Exception e) {
            throw new IllegalStateException("simulator: cannot generate its test certificates: " + e, e);
        }
    }
}
