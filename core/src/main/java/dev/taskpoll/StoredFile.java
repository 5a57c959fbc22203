package dev.taskpoll;

/**
 * One result of a task, stored by result capture, as a task store records it.
 *
 * @param index  its position among the task's result URLs, from 0
 * @param path   where it is stored
 * @param size   bytes
 * @param sha256 lowercase hex SHA-256 of the bytes
 */
public record StoredFile(int index, String path, long size, String sha256) {
}
