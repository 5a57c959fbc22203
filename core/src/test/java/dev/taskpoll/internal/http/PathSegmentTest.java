package dev.taskpoll.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PathSegmentTest {

    @Test
    void documentedIdsPassUnchanged() {
        assertThat(PathSegment.encode("video_fd35ee52-2a98-44a6-b930-29a88ce9b8fd"))
                .isEqualTo("video_fd35ee52-2a98-44a6-b930-29a88ce9b8fd");
        assertThat(PathSegment.encode("proj_sd2manxue_1234567890")).isEqualTo("proj_sd2manxue_1234567890");
    }

    @Test
    void slashesQueriesAndPercentsCannotChangeThePath() {
        assertThat(PathSegment.encode("../x")).isEqualTo("..%2Fx");
        assertThat(PathSegment.encode("a/b")).isEqualTo("a%2Fb");
        assertThat(PathSegment.encode("a?b#c")).isEqualTo("a%3Fb%23c");
        assertThat(PathSegment.encode("100%")).isEqualTo("100%25");
        assertThat(PathSegment.encode("a b")).isEqualTo("a%20b");
    }

    @Test
    void nonAsciiIsEncodedAsUtf8() {
        assertThat(PathSegment.encode("任务")).isEqualTo("%E4%BB%BB%E5%8A%A1");
    }
}
