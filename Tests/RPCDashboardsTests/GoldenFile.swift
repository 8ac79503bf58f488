import Foundation
import Testing

/// Compares rendered screens with the text files in `Goldens/` beside this source file
/// (found from `#filePath`, not bundled). With `RECORD_GOLDENS=1` in the environment the
/// files are written instead, and the comparison passes.
enum GoldenFile {
  static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_GOLDENS"] == "1" }

  /// The golden file `name` (`demo-80x24.txt`).
  static func url(_ name: String, filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent()
      .appendingPathComponent("Goldens").appendingPathComponent(name)
  }

  /// Expects `lines` to equal the golden file `name`, line by line (or records them).
  static func check(
    _ lines: [String], against name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let file = url(name)
    let text = lines.joined(separator: "\n") + "\n"
    if recording {
      try text.write(to: file, atomically: true, encoding: .utf8)
      return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
      Issue.record(
        "no golden file \(file.path): run with RECORD_GOLDENS=1", sourceLocation: sourceLocation)
      return
    }
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
      .dropLast().map(String.init)
    #expect(
      lines.count == expectedLines.count, "\(name): row count", sourceLocation: sourceLocation)
    for (row, (actual, wanted)) in zip(lines, expectedLines).enumerated() where actual != wanted {
      Issue.record(
        "\(name) row \(row):\n  got    \(actual)\n  wanted \(wanted)",
        sourceLocation: sourceLocation)
    }
  }
}
