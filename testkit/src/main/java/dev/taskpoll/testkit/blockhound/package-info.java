/**
 * Makes BlockHound's findings fail tests even when the blocking call happened on a thread whose errors nobody sees
 * (a server's event loop, a timer). Active when BlockHound and JUnit Jupiter are on the test classpath; see
 * {@link dev.taskpoll.testkit.blockhound.NoBlockingCallsExtension}.
 */
@NullMarked
package dev.taskpoll.testkit.blockhound;

import org.jspecify.annotations.NullMarked;
