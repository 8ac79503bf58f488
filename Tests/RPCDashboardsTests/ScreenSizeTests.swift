import Foundation
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// The three screens at 80×24, 100×30, 120×40 and 200×50 with a burst in flight: every
/// panel has rows, no id or number is cut, and the footer keeps `? help` and `q quit`.
@Suite struct ScreenSizeTests {
  static let cases = ScreenFixtures.sizes.map { "\($0.width)x\($0.height)" }

  /// The index of the first row starting with `prefix`.
  func row(_ prefix: String, in lines: [String]) -> Int? {
    lines.firstIndex { $0.hasPrefix(prefix) || $0.contains("  " + prefix) }
  }

  /// Rows after a table title (and its headings) whose text at the title's column is an id.
  func idRows(below title: String, in lines: [String]) -> Int {
    guard let top = lines.firstIndex(where: { $0.contains(title) }),
      let column = lines[top].range(of: title).map({
        lines[top].distance(from: lines[top].startIndex, to: $0.lowerBound)
      })
    else { return 0 }
    var count = 0
    for line in lines.dropFirst(top + 2) {
      let cell = line.dropFirst(column).prefix(15)
      guard cell.hasPrefix("4ac5f75d-") else { break }
      count += 1
    }
    return count
  }

  func expectWholeIDs(_ lines: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    for line in lines {
      #expect(!line.contains("4ac5f75d-1000…"), "\(line)", sourceLocation: sourceLocation)
      for word in line.split(separator: " ") where word.hasPrefix("4ac5f75d-") {
        #expect(word.count == 15, "cut id in: \(line)", sourceLocation: sourceLocation)
      }
    }
  }

  func expectFooter(_ lines: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let footer = lines.last ?? ""
    #expect(footer.contains("? help"), "\(footer)", sourceLocation: sourceLocation)
    #expect(footer.contains("q quit"), "\(footer)", sourceLocation: sourceLocation)
  }

  @Test(arguments: cases) func demoShowsRowsInEveryPanelAndEveryWorker(size: String) {
    let lines = ScreenRendering.demo(size)
    #expect(idRows(below: "In flight (16)", in: lines) >= 2, "\(lines.joined(separator: "\n"))")
    #expect(idRows(below: "Completed (44)", in: lines) >= 2, "\(lines.joined(separator: "\n"))")
    let discarded = lines.firstIndex { $0.hasPrefix("Discarded replies") } ?? lines.count
    #expect(
      lines.dropFirst(discarded + 2).prefix(2).allSatisfy {
        $0.hasPrefix("duplicate") || $0.hasPrefix("unknown")
      }, "\(lines.joined(separator: "\n"))")
    for worker in ["w1 ", "w2 ", "w3 ", "w4 ", "all "] {
      #expect(
        lines.contains { $0.hasPrefix(worker) }, "\(worker) in \(lines.joined(separator: "\n"))")
    }
    #expect(lines.contains { $0.contains("handled 211") })
    expectWholeIDs(lines)
    expectFooter(lines)
  }

  @Test(arguments: cases) func clientShowsRowsInEveryPanelAndItsReplyTo(size: String) {
    let lines = ScreenRendering.client(size)
    #expect(idRows(below: "In flight (16)", in: lines) >= 2, "\(lines.joined(separator: "\n"))")
    #expect(idRows(below: "Completed (44)", in: lines) >= 2, "\(lines.joined(separator: "\n"))")
    #expect(lines.contains { $0.hasPrefix("unknown ") && $0.contains("ffffffff-999999") })
    #expect(lines[0].contains("reply_to amq.gen-Xk2vQ9dLr0bYqW3nF7sT1g"), "\(lines[0])")
    expectWholeIDs(lines)
    expectFooter(lines)
  }

  @Test(arguments: cases) func serverShowsEveryWorkerAndTheWholeHandledCount(size: String) {
    let lines = ScreenRendering.server(size)
    #expect(lines.contains { $0.contains("handled 211") }, "\(lines.joined(separator: "\n"))")
    for worker in ["w1 ", "w2 ", "w3 ", "w4 "] {
      let row = lines.first { $0.hasPrefix(worker) } ?? ""
      #expect(row.contains("busy fib(35)") || row.contains("PAUSED"), "\(row)")
      #expect(!row.contains("fib…") && !row.contains("busy fib(3 "), "\(row)")
    }
    // The totals row: 210 processed (and 1 error) of the 211 handled.
    #expect(lines.contains { $0.hasPrefix("all ") && $0.contains(" 210 ") })
    expectWholeIDs(lines)
    expectFooter(lines)
  }

  @Test func theSplitShowsFrom120ColumnsAndTheVersionStays() {
    #expect(ScreenRendering.client("120x40").contains { $0.contains("wait / service / return") })
    #expect(!ScreenRendering.client("100x30").contains { $0.contains("wait / service / return") })
    #expect(ScreenRendering.client("120x40")[0].contains("RabbitMQ 4.1.4"))
    #expect(ScreenRendering.demo("120x40")[0].contains("RabbitMQ 4.1.4"))
  }

  @Test func theTourCaptionWrapsOnTwoRowsInsteadOfBeingCut() {
    var board = ScreenFixtures.demo()
    board.caption =
      "Tour 2/5: a burst of 40 requests, each with a fresh correlation id: watch them spread over the workers and come back in any order."
    var buffer = ScreenBuffer(width: 80, height: 24)
    board.render(into: &buffer, now: ScreenFixtures.now)
    let lines = buffer.trimmedLines
    #expect(
      lines[2] == " Tour 2/5: a burst of 40 requests, each with a fresh correlation id: watch them")
    #expect(lines[3] == " spread over the workers and come back in any order.")
    #expect(idRows(below: "In flight (16)", in: lines) >= 2, "\(lines.joined(separator: "\n"))")
    #expect(lines.contains { $0.hasPrefix("w4 ") })
  }
}
