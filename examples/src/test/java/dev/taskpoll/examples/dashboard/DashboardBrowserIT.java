package dev.taskpoll.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The dashboard once end to end in a real browser: Debian's headless chromium driven through chromedriver submits a
 * generation from the page, and the task's card goes live to its final state with a link to the stored result.
 */
class DashboardBrowserIT {

    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    @TempDir
    Path tmp;

    @Test
    void aGenerationSubmittedFromThePageGoesLiveToItsStoredResult() throws Exception {
        if (!CHROMIUM.canExecute() || !CHROMEDRIVER.canExecute()) {
            String why = "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); "
                    + ".ci/run installs them: apt-get install chromium chromium-driver";
            if (System.getenv("CI") != null) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        ConfigurableApplicationContext app = DashboardApplication.start("--server.port=0",
                "--server.address=127.0.0.1", "--taskpoll.sim-scale=600", "--taskpoll.out=" + tmp.resolve("out"),
                "--spring.main.banner-mode=off");
        String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                        "--user-data-dir=" + tmp.resolve("profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort().build();
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.get(base + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
            new Select(browser.findElement(By.id("family"))).selectByValue("nano-banana");
            assertThat(new Select(browser.findElement(By.id("model"))).getFirstSelectedOption().getText())
                    .isEqualTo("nano-banana-2");
            // the simulator fails 10% of tasks: generate until a card completes (bounded)
            WebElement done = null;
            for (int i = 0; i < 10 && done == null; i++) {
                int cards = browser.findElements(By.cssSelector(".card")).size();
                browser.findElement(By.id("go")).click();
                wait.until(d -> d.findElements(By.cssSelector(".card")).size() == cards + 1);
                WebElement card = browser.findElements(By.cssSelector(".card")).get(0); // newest first
                wait.until(d -> "true".equals(card.getDomAttribute("data-ended")));
                String state = card.findElement(By.cssSelector(".state")).getText();
                assertThat(state).isIn("COMPLETED", "FAILED");
                if (state.equals("COMPLETED")) {
                    done = card;
                } else {
                    assertThat(card.findElements(By.cssSelector("a.result"))).isEmpty();
                }
            }
            assertThat(done).as("a completed card in 10 generations").isNotNull();
            String id = done.getDomAttribute("data-id");
            List<WebElement> links = done.findElements(By.cssSelector("a.result"));
            assertThat(links).hasSize(1);
            String href = links.get(0).getDomProperty("href");
            assertThat(href).isEqualTo(base + "/results/" + id + "/0.png");
            HttpResponse<byte[]> image = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(href)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(image.statusCode()).isEqualTo(200);
            assertThat(image.body()).isNotEmpty();
            assertThat(links.get(0).getText()).isEqualTo("result 0 (" + image.body().length + " bytes)");
            assertThat(done.findElement(By.cssSelector(".status")).getText()).isEqualTo("completed");
            Path shot = Path.of("target", "dashboard.png");
            Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.quit();
            app.close();
        }
    }
}
