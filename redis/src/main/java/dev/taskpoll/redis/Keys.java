package dev.taskpoll.redis;

import dev.taskpoll.TaskRef;
import dev.taskpoll.catalog.Dialect;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The store's Redis keys, all under one namespace ({@code <prefix>:<API key fingerprint>:}). A task is
 * {@code <dialect>:<id>} (its "member"), and lives in the shard a CRC-32 of its member picks.
 */
final class Keys {

    final String ns;
    final int shards;

    Keys(String ns, int shards) {
        this.ns = ns;
        this.shards = shards;
    }

    static String member(TaskRef ref) {
        return member(ref.kind().dialect(), ref.id());
    }

    static String member(Dialect d, String id) {
        return d.name() + ":" + id;
    }

    /** The dialect and id of a member (the dialect's name has no ':'). */
    static String[] split(String member) {
        int at = member.indexOf(':');
        return new String[] {member.substring(0, at), member.substring(at + 1)};
    }

    /** A task kind of the dialect: what a {@link TaskRef} needs to name a task by dialect and id. */
    static dev.taskpoll.catalog.TaskKind anyKind(Dialect d) {
        for (dev.taskpoll.catalog.Family f : dev.taskpoll.catalog.Family.values()) {
            if (f.dialect() == d) {
                return f;
            }
        }
        for (dev.taskpoll.catalog.AssetLibrary a : dev.taskpoll.catalog.AssetLibrary.values()) {
            if (a.dialect() == d) {
                return a;
            }
        }
        throw new IllegalArgumentException("no task kind of the dialect " + d);
    }

    /** A reference naming the member's task (its kind one of the dialect's: enough to find it). */
    static TaskRef ref(String member) {
        String[] md = split(member);
        return TaskRef.of(md[1], anyKind(Dialect.valueOf(md[0])));
    }

    int shard(String member) {
        CRC32 crc = new CRC32();
        crc.update(member.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards);
    }

    String task(String member) {
        return ns + "task:" + member;
    }

    String history(String member) {
        return ns + "hist:" + member;
    }

    String results(String member) {
        return ns + "res:" + member;
    }

    String shardSet(int s) {
        return ns + "shard:" + s;
    }

    String shardVersion(int s) {
        return ns + "shardver:" + s;
    }

    String lease(int s) {
        return ns + "lease:" + s;
    }

    /** When shard {@code s} was first seen without a holder (Redis ms); gone while it has one. */
    String freeSince(int s) {
        return ns + "free:" + s;
    }

    String fence(int s) {
        return ns + "fence:" + s;
    }

    String released(int s) {
        return ns + "released:" + s;
    }

    String allTasks() {
        return ns + "tasks";
    }

    String ended() {
        return ns + "ended";
    }

    String intentPrefix() {
        return ns + "intent:";
    }

    /** An intent call's token, to the id it recorded (a day): a retried call records no second intent. */
    String intentTokenPrefix() {
        return ns + "intent-token:";
    }

    String intents() {
        return ns + "intents";
    }

    String inDoubt() {
        return ns + "doubt";
    }

    String sequence() {
        return ns + "seq";
    }

    String models() {
        return ns + "models";
    }

    /** Live instances, each scored with when it stops counting as live (its own window past its last heartbeat). */
    String instances() {
        return ns + "live-until";
    }

    String changes() {
        return ns + "changes";
    }

    /** The shard count the first instance chose: all must agree. */
    String shardCount() {
        return ns + "shard-count";
    }

    String hints() {
        return ns + "hints";
    }
}
