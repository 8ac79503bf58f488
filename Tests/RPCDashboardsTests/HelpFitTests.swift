import Foundation
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// The help overlays of the three screens fit at 80×24: explanations wrap, none is cut.
@Suite struct HelpFitTests {
  /// Checks that every explanation in `help` shows whole in `lines`: its first row found,
  /// its continuation rows under it in the same column, nothing ending with `…`.
  func expectWhole(
    _ help: [(keys: String, help: String)], in lines: [String], screen: String
  ) {
    for line in lines {
      #expect(!line.hasSuffix("…"), "\(screen): \(line)")
    }
    let rows = lines.map { Array($0) }
    for (keys, text) in help {
      let prefix = Array(text.prefix(24))
      guard
        let (row, column) = rows.indices.lazy.compactMap({ row -> (Int, Int)? in
          let cells = rows[row]
          guard cells.count >= prefix.count else { return nil }
          return (0...(cells.count - prefix.count)).first {
            Array(cells[$0..<($0 + prefix.count)]) == prefix
          }.map { (row, $0) }
        }).first
      else {
        Issue.record("\(screen): \(keys) \(text) not shown\n\(lines.joined(separator: "\n"))")
        continue
      }
      func segment(_ row: Int) -> String {
        guard row < rows.count, rows[row].count > column else { return "" }
        let tail = String(rows[row][column...])
        return (tail.components(separatedBy: "  ").first ?? "")
          .trimmingCharacters(in: .whitespaces)
      }
      var shown = segment(row)
      var next = row + 1
      while shown.count < text.count, next < rows.count, !segment(next).isEmpty {
        shown += " " + segment(next)
        next += 1
      }
      #expect(shown == text, "\(screen): \(keys)\n\(lines.joined(separator: "\n"))")
    }
  }

  @Test func serverHelpFitsAt80x24() {
    var server = ScreenFixtures.server()
    _ = server.handle(.function(1), now: ScreenFixtures.now)
    #expect(server.showHelp)
    let lines = ScreenRendering.lines(of: &server)
    expectWhole(ServerDashboard.keymap.helpLines, in: lines, screen: "server")
  }

  @Test func clientHelpFitsAt80x24() {
    var client = ScreenFixtures.client()
    _ = client.handle(.function(1), now: ScreenFixtures.now)
    #expect(client.showHelp)
    let lines = ScreenRendering.lines(of: &client)
    expectWhole(client.keymap.helpLines, in: lines, screen: "client")
  }

  @Test func demoHelpFitsAt80x24() {
    var demo = ScreenFixtures.demo()
    _ = demo.handle(.function(1), now: ScreenFixtures.now)
    #expect(demo.client.showHelp)
    let lines = ScreenRendering.lines(of: &demo)
    expectWhole(
      DemoDashboard.keymap.helpLines + ClientDashboard.keymap.helpLines, in: lines,
      screen: "demo")
  }

  /// On a cluster the demo has one key more (F9): its help still fits whole at 80×24.
  @Test func clusterDemoHelpFitsAt80x24() {
    var demo = ScreenFixtures.demo()
    demo.cluster = ClusterNodes(
      names: ["n1@localhost", "n2@localhost", "n3@localhost"],
      endpoints: ["127.0.0.1:5681", "127.0.0.1:5682", "127.0.0.1:5683"])
    _ = demo.handle(.function(1), now: ScreenFixtures.now)
    let lines = ScreenRendering.lines(of: &demo)
    expectWhole(
      DemoDashboard.keymap.helpLines + DemoDashboard.clusterKeymap.helpLines
        + ClientDashboard.keymap.helpLines, in: lines, screen: "cluster demo")
  }
}
