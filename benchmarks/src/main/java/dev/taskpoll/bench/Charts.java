package dev.taskpoll.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jspecify.annotations.Nullable;

/**
 * PNG bar charts of the harness's figures, drawn with the JDK alone (headless AWT): one file per scenario, one panel
 * per metric, each bar labelled with its value, a target drawn as a red line where there is one.
 */
final class Charts {

    /** One metric: a bar per label. */
    record Panel(String title, List<String> labels, List<Double> values, @Nullable Double target) {
    }

    /** Collects the panels of one chart. */
    static final class Chart {
        private final String title;
        private final List<Panel> panels = new ArrayList<>();

        Chart(String title) {
            this.title = title;
        }

        Chart panel(String panelTitle, List<String> labels, List<Double> values, @Nullable Double target) {
            panels.add(new Panel(panelTitle, List.copyOf(labels), List.copyOf(values), target));
            return this;
        }

        /** Writes the PNG; returns a line for RESULTS.md (the image, or why it could not be drawn). */
        String write(Path file) {
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                ImageIO.write(draw(), "png", file.toFile());
                return "![" + title + "](" + file.getFileName() + ")\n\n";
            } catch (IOException | RuntimeException | Error e) { // e.g. no fonts on a bare machine
                return "(chart " + file.getFileName() + " not drawn: " + e + ")\n\n";
            }
        }

        private BufferedImage draw() {
            int width = 900;
            int rowHeight = 22;
            int labelWidth = 330;
            int height = 40;
            for (Panel p : panels) {
                height += 34 + p.labels().size() * rowHeight + 12;
            }
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, 12, 26);
            int y = 40;
            for (Panel p : panels) {
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
                g.setColor(Color.BLACK);
                g.drawString(p.title(), 12, y + 22);
                y += 34;
                double max = p.target() == null ? 0 : p.target();
                for (double v : p.values()) {
                    max = Math.max(max, Double.isFinite(v) ? v : 0);
                }
                int barArea = width - labelWidth - 110;
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                for (int i = 0; i < p.labels().size(); i++) {
                    double v = p.values().get(i);
                    int len = max <= 0 || !Double.isFinite(v) ? 0 : (int) Math.round(v / max * barArea);
                    g.setColor(Color.DARK_GRAY);
                    g.drawString(clip(p.labels().get(i), 52), 12, y + 15);
                    g.setColor(i % 2 == 0 ? new Color(0x3B6EA5) : new Color(0x6A9FD4));
                    g.fillRect(labelWidth, y + 4, Math.max(1, len), rowHeight - 8);
                    g.setColor(Color.BLACK);
                    g.drawString(Double.isFinite(v) ? format(v) : "n/a", labelWidth + len + 6, y + 15);
                    y += rowHeight;
                }
                if (p.target() != null && max > 0) {
                    int x = labelWidth + (int) Math.round(p.target() / max * barArea);
                    g.setColor(Color.RED);
                    g.setStroke(new BasicStroke(2));
                    g.drawLine(x, y - p.labels().size() * rowHeight, x, y);
                    g.drawString("target " + format(p.target()), x + 4, y + 10);
                }
                y += 12;
            }
            g.dispose();
            return img;
        }
    }

    private Charts() {
    }

    static Chart chart(String title) {
        return new Chart(title);
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static String format(double v) {
        return Math.abs(v) >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
