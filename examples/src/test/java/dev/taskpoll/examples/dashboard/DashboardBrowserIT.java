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
 * generation from the page, and the task's card goes live to its final state with a link to the stored result and a
 * preview (the image, a video player), the form offers the model's parameters, the fleet panel shows the fleet, and
 * a reload shows the cards again; and more generations running than a browser keeps connections to a host. Screenshots:
 * {@code target/dashboard.png}, {@code target/dashboard-reloaded.png}.
 */
class DashboardBrowserIT {

    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    @TempDir
    Path tmp;

    private static void needsChromium() {
        if (!CHROMIUM.canExecute() || !CHROMEDRIVER.canExecute()) {
            String why = "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); "
                    + ".ci/run installs them: apt-get install chromium chromium-driver";
            if (System.getenv("CI") != null) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
    }

    /** The dashboard on a free loopback port, its embedded simulator at {@code scale}. */
    private ConfigurableApplicationContext dashboard(int scale) {
        return DashboardApplication.start("--server.port=0", "--server.address=127.0.0.1",
                "--taskpoll.sim-scale=" + scale, "--taskpoll.out=" + tmp.resolve("out"), "--spring.main.banner-mode=off");
    }

    private static String base(ConfigurableApplicationContext app) {
        return "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
    }

    private ChromeDriver browser() {
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                        "--user-data-dir=" + tmp.resolve("profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /**
     * More generations running than a browser keeps connections to a host (six over HTTP/1.1): every card goes live,
     * and so does one submitted elsewhere (here, by another client) while the page is open. With a stream per card,
     * the seventh card waited for a connection for as long as the first six ran, and so did the fleet panel.
     */
    @Test
    void moreRunningGenerationsThanABrowsersConnectionsAllGoLive() throws Exception {
        needsChromium();
        // at 1x a VEO video runs 2-5 minutes: all of them still running while the page is checked
        ConfigurableApplicationContext app = dashboard(1);
        String base = base(app);
        HttpClient http = HttpClient.newHttpClient();
        ChromeDriver browser = null;
        try {
            for (int i = 0; i < 8; i++) {
                post(http, base, i);
            }
            browser = browser();
            browser.get(base + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
            assertThat(browser.findElements(By.cssSelector(".card"))).hasSize(8);
            wait.until(d -> d.findElements(By.cssSelector(".card .state.QUEUED, .card .state.PROCESSING")).size() == 8);
            String late = post(http, base, 8);
            wait.until(d -> d.findElements(By.id("card-" + late)).size() == 1);
            WebElement card = browser.findElement(By.id("card-" + late));
            wait.until(d -> card.findElement(By.cssSelector(".state")).getText().matches("QUEUED|PROCESSING"));
            assertThat(card.findElement(By.cssSelector(".prompt")).getText()).isEqualTo("a fox 8");
            wait.until(d -> "true".equals(d.findElement(By.id("fleet")).getDomAttribute("data-ready")));
        } finally {
            if (browser != null) {
                browser.quit();
            }
            app.close();
        }
    }

    private static String post(HttpClient http, String base, int i) throws Exception {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/generations"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"family\":\"veo\",\"model\":\"veo_3_1_fast\","
                        + "\"prompt\":\"a fox " + i + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return Generations.JSON.readTree(created.body()).get("id").asText();
    }

    @Test
    void aGenerationSubmittedFromThePageGoesLiveToItsStoredResult() throws Exception {
        needsChromium();
        ConfigurableApplicationContext app = dashboard(600);
        String base = base(app);
        ChromeDriver browser = browser();
        try {
            browser.get(base + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
            new Select(browser.findElement(By.id("family"))).selectByValue("nano-banana");
            assertThat(new Select(browser.findElement(By.id("model"))).getFirstSelectedOption().getText())
                    .isEqualTo("nano-banana-2");
            // the form offers the model's documented parameters, from GET /families
            Select resolution = new Select(browser.findElement(By.cssSelector("#params select[name=resolution]")));
            assertThat(resolution.getOptions()).extracting(WebElement::getText)
                    .containsExactly("resolution: default", "resolution: 1k", "resolution: 2k");
            resolution.selectByValue("2k");
            WebElement image = generateUntilCompleted(browser, wait);
            assertThat(image.findElement(By.cssSelector(".prompt")).getText())
                    .isEqualTo("a red fox running through snow, cinematic");
            assertThat(image.findElement(By.cssSelector(".params")).getText()).isEqualTo("resolution=2k");
            assertThat(image.findElement(By.cssSelector(".elapsed")).getText()).startsWith("took ");
            String id = image.getDomAttribute("data-id");
            List<WebElement> links = image.findElements(By.cssSelector("a.result"));
            assertThat(links).hasSize(1);
            String href = links.get(0).getDomProperty("href");
            assertThat(href).isEqualTo(base + "/results/" + id + "/0.png");
            HttpResponse<byte[]> png = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(href))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(png.statusCode()).isEqualTo(200);
            assertThat(links.get(0).getText()).isEqualTo("result 0 (" + png.body().length + " bytes)");
            assertThat(image.findElement(By.cssSelector(".status")).getText()).isEqualTo("completed");
            // the preview is the image itself, decoded by the browser (the simulator renders a 512x288 PNG)
            WebElement img = image.findElement(By.cssSelector(".preview img"));
            wait.until(d -> Long.valueOf(512).equals(browser.executeScript(
                    "return arguments[0].complete ? arguments[0].naturalWidth : 0;", img)));

            // a video: its card plays the stored MP4 (the simulator's 2 s, 320x180 H.264 file)
            new Select(browser.findElement(By.id("family"))).selectByValue("veo");
            assertThat(browser.findElements(By.cssSelector("#params select[name=resolution]"))).hasSize(1);
            WebElement video = generateUntilCompleted(browser, wait);
            WebElement player = video.findElement(By.cssSelector(".preview video"));
            wait.until(d -> Long.valueOf(320).equals(browser.executeScript(
                    "return arguments[0].readyState >= 1 ? arguments[0].videoWidth : 0;", player)));

            // the fleet panel
            wait.until(d -> "true".equals(d.findElement(By.id("fleet")).getDomAttribute("data-ready")));
            assertThat(browser.findElement(By.id("fleet")).getText()).matches("fleet: \\d+ active · \\d+ req/s · "
                    + "\\d+ in flight · \\d+ 429s · circuit [A-Z_]+");
            Files.createDirectories(Path.of("target"));
            Files.write(Path.of("target", "dashboard.png"), browser.getScreenshotAs(OutputType.BYTES));

            // reloaded: the cards again, with their previews
            int cards = browser.findElements(By.cssSelector(".card")).size();
            browser.navigate().refresh();
            wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
            assertThat(browser.findElements(By.cssSelector(".card"))).hasSize(cards);
            WebElement again = browser.findElement(By.id("card-" + id));
            wait.until(d -> "COMPLETED".equals(again.findElement(By.cssSelector(".state")).getText()));
            assertThat(again.findElement(By.cssSelector(".prompt")).getText())
                    .isEqualTo("a red fox running through snow, cinematic");
            WebElement imgAgain = again.findElement(By.cssSelector(".preview img"));
            wait.until(d -> Long.valueOf(512).equals(browser.executeScript(
                    "return arguments[0].complete ? arguments[0].naturalWidth : 0;", imgAgain)));
            Files.write(Path.of("target", "dashboard-reloaded.png"), browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.quit();
            app.close();
        }
    }

    /** Generates with the form until a card completes (the simulator fails 10% of tasks; bounded). */
    private static WebElement generateUntilCompleted(ChromeDriver browser, WebDriverWait wait) {
        for (int i = 0; i < 10; i++) {
            int cards = browser.findElements(By.cssSelector(".card")).size();
            browser.findElement(By.id("go")).click();
            wait.until(d -> d.findElements(By.cssSelector(".card")).size() == cards + 1);
            WebElement card = browser.findElements(By.cssSelector(".card")).get(0); // newest first
            wait.until(d -> "true".equals(card.getDomAttribute("data-ended")));
            String state = card.findElement(By.cssSelector(".state")).getText();
            assertThat(state).isIn("COMPLETED", "FAILED");
            if (state.equals("COMPLETED")) {
                return card;
            }
            assertThat(card.findElements(By.cssSelector("a.result"))).isEmpty();
            assertThat(card.findElement(By.cssSelector(".problem")).getText()).as("a failure says why").isNotBlank();
        }
        throw new AssertionError("no completed card in 10 generations");
    }
}
