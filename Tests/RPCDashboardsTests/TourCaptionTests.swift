import Foundation
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// Every caption of the tour shows whole on the demo screen at 80×24 and 120×40: wrapped at
/// spaces to the caption's rows, never cut with `…`.
@Suite struct TourCaptionTests {
  /// Each caption with the widest numbers a tour gives (four-digit counts, two-digit n and
  /// workers, every kind of prefetch).
  static let captions: [String] = [
    TourCaption.timing,
    TourCaption.single(n: 92, queue: "rpc_queue"),
    TourCaption.burst(count: 2_000, n: 92, prefetch: 1),
    TourCaption.burst(count: 2_000, n: 92, prefetch: 0),
    TourCaption.burst(count: 2_000, n: 92, prefetch: 65_535),
    TourCaption.paused(worker: 12, count: 2_000),
    TourCaption.resumed(worker: 12, count: 2_000),
    TourCaption.late(n: 92),
    TourCaption.unknown(among: 2_000),
    TourCaption.finished(loop: true),
    TourCaption.finished(loop: false),
  ]

  @Test(arguments: captions, ["80x24", "120x40"])
  func eachCaptionShowsWhole(caption: String, size: String) {
    var demo = ScreenFixtures.demo()
    demo.caption = caption
    let (width, height) = ScreenRendering.dimensions(size)
    let lines = ScreenRendering.lines(of: &demo, width: width, height: height)
    let trimmed = lines.map { $0.trimmingCharacters(in: .whitespaces) }
    let head = String(caption.prefix(12))
    guard let first = trimmed.firstIndex(where: { $0.hasPrefix(head) }) else {
      Issue.record("\(size): caption not shown\n\(lines.joined(separator: "\n"))")
      return
    }
    let shown =
      trimmed[first] == caption ? trimmed[first] : trimmed[first] + " " + trimmed[first + 1]
    #expect(shown == caption, "\(size)\n\(lines.joined(separator: "\n"))")
    #expect(!shown.contains("…"), "\(size): \(shown)")
  }

  /// A note from before the tour (`:timeout 10` says `timeout is now 10.00 s`) does not sit
  /// above the first caption for the whole step.
  @Test func aCaptionReplacesTheNoteFromBefore() {
    var demo = ScreenFixtures.demo()
    let now = NIODeadline.uptimeNanoseconds(5_000_000_000)
    demo.client.say("timeout is now 10.00 s", now: now)
    var buffer = ScreenBuffer(width: 80, height: 24)
    demo.render(into: &buffer, now: now)
    #expect(buffer.trimmedLines.contains { $0.contains("timeout is now 10.00 s") })
    demo.caption = "Tour 1/5 — one request: fib(37) to rpc_queue"
    demo.render(into: &buffer, now: now)
    #expect(!buffer.trimmedLines.contains { $0.contains("timeout is now") })
    #expect(buffer.trimmedLines.contains { $0.contains("Tour 1/5") })
  }
}
