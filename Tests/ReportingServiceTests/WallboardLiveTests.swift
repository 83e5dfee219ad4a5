import Foundation
import Messages
import TestLiterals
import TestSupport
import Testing

/// The wall-board page served by the real reporting service, in a real headless Chromium:
/// what the page shows follows the agents, pushed by the service, and the page reconnects
/// by itself when the service comes back.
@Suite("Wall-board against the real services", .serialized)
struct WallboardLiveTests {
    /// Where the screenshot is kept for a person to look at: `.build/test-artifacts/`.
    static let artefacts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/test-artifacts")

    @Test("the page follows status changes the service pushes, and reconnects by itself after a restart")
    func followsTheAgents() async throws {
        try FileManager.default.createDirectory(at: Self.artefacts, withIntermediateDirectories: true)
        try await withReportingSystem { system in
            let bus = system.bus
            try await bus.define(.test("sales", agents: ["a1", "a2"]))
            try await bus.ready("a1")
            let browser = try Chromium.launch(logFile: Self.artefacts.appendingPathComponent("wallboard-chromium.log"))
            defer { browser.close() }
            try await browser.open("http://127.0.0.1:\(system.httpPort)/")
            try await browser.waitForText("#connection", "live")
            try await browser.waitForText(#"[data-agent="a1"] [data-field=display]"#, "available")
            try await browser.waitForText("[data-queue=sales] [data-field=routable]", "1")

            // Pushed, never polled: the page changes as the agents do.
            _ = try await bus.command("a2", .login)
            #expect(try await bus.command("a2", .setPresence, presence: .withdrawn, reason: "lunch").ok)
            try await browser.waitForText(#"[data-agent="a2"] [data-field=display]"#, "lunch")
            try await browser.waitForText("[data-queue=sales] [data-field=withdrawnByReason] [data-reason=lunch]", "lunch 1")
            try await browser.waitForText("[data-queue=sales] [data-field=staffed]", "2")
            #expect(try await browser.evaluate(#"document.querySelector('[data-agent="a2"]').dataset.state"#) as? String == "withdrawn")
            let screenshot = Self.artefacts.appendingPathComponent("wallboard.png")
            try await browser.screenshot(to: screenshot)
            print("wall-board screenshot: \(screenshot.path)")

            // The service goes away and comes back: the page says so, then carries on by itself.
            system.reporting.kill()
            try await browser.waitForText("#connection", "reconnecting…")
            #expect(try await bus.command("a1", .setPresence, presence: .withdrawn, reason: "break").ok)
            try await system.restartReporting()
            try await browser.waitForText("#connection", "live", timeout: .seconds(15))
            try await browser.waitForText(#"[data-agent="a1"] [data-field=display]"#, "break")
            try await browser.waitForText("[data-queue=sales] [data-field=routable]", "0")
        }
    }
}
