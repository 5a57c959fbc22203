package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The line between API and implementation, as the compiler keeps it: core's module descriptor exports the API
 * packages and no {@code internal} one, and no public signature of an exported type names an internal type.
 */
class ModuleDescriptorTest {

    private static final Path CLASSES = Path.of("target", "classes");
    private static final Set<String> API = Set.of("dev.taskpoll", "dev.taskpoll.cadence", "dev.taskpoll.catalog",
            "dev.taskpoll.spi",
            "dev.taskpoll.capture", "dev.taskpoll.callback", "dev.taskpoll.micrometer");

    @Test
    void onlyTheApiPackagesAreExported() throws IOException {
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(CLASSES.resolve("module-info.class"))) {
            d = ModuleDescriptor.read(in);
        }
        assertThat(d.name()).isEqualTo("dev.taskpoll.core");
        Set<String> exported = new TreeSet<>();
        d.exports().forEach(e -> {
            assertThat(e.isQualified()).as(e.source()).isFalse();
            exported.add(e.source());
        });
        assertThat(exported).isEqualTo(new TreeSet<>(API));
        for (String internal : List.of("engine", "budget", "http")) {
            assertThat(CLASSES.resolve("dev/taskpoll/internal/" + internal)).as("in the module, not exported")
                    .isDirectory();
        }
    }

    @Test
    void noPublicSignatureOfAnExportedTypeNamesAnInternalType() throws Exception {
        List<String> leaks = new ArrayList<>();
        for (Class<?> c : exportedPublicClasses()) {
            for (Method m : c.getDeclaredMethods()) {
                if (visible(m.getModifiers())) {
                    check(leaks, c.getName() + "." + m.getName(), m.getGenericReturnType());
                    for (Type t : m.getGenericParameterTypes()) {
                        check(leaks, c.getName() + "." + m.getName(), t);
                    }
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (visible(k.getModifiers())) {
                    for (Type t : k.getGenericParameterTypes()) {
                        check(leaks, c.getName() + ".<init>", t);
                    }
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (visible(f.getModifiers())) {
                    check(leaks, c.getName() + "." + f.getName(), f.getGenericType());
                }
            }
            if (c.getSuperclass() != null) {
                check(leaks, c.getName() + " extends", c.getGenericSuperclass());
            }
            for (Type t : c.getGenericInterfaces()) {
                check(leaks, c.getName() + " implements", t);
            }
        }
        assertThat(leaks).isEmpty();
    }

    @Test
    void theSatellitePackagesDependOnTheApiAndTheSpiOnly() throws IOException {
        for (String pkg : List.of("capture", "callback", "micrometer", "spi", "catalog")) {
            try (Stream<Path> files = Files.walk(Path.of("src", "main", "java", "dev", "taskpoll", pkg))) {
                files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                    try {
                        assertThat(Files.readString(p)).as(p.toString()).doesNotContain("dev.taskpoll.internal");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
        }
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(List<String> leaks, String where, Type t) {
        String name = t.getTypeName();
        if (name.contains("dev.taskpoll.internal")) {
            leaks.add(where + ": " + name);
        }
    }

    private static List<Class<?>> exportedPublicClasses() throws Exception {
        List<Class<?>> out = new ArrayList<>();
        for (String pkg : API) {
            Path dir = CLASSES.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String simple = p.getFileName().toString().replace(".class", "");
                    if (simple.equals("package-info")) {
                        continue;
                    }
                    Class<?> c = Class.forName(pkg + "." + simple.replace('/', '.'), false,
                            ModuleDescriptorTest.class.getClassLoader());
                    if (Modifier.isPublic(c.getModifiers()) && (c.getEnclosingClass() == null
                            || Modifier.isPublic(c.getEnclosingClass().getModifiers()))) {
                        out.add(c);
                    }
                }
            }
        }
        assertThat(out).hasSizeGreaterThan(30);
        return out;
    }
}
