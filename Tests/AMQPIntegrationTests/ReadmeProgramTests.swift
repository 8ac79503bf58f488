import Foundation
import Testing

/// The README's "Your own procedure" program, as it stands there: the same text as
/// Examples/OwnProcedure/main.swift (which the package builds), and run against the broker.
@Suite struct ReadmeProgramTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The first Swift code block after the heading `## Your own procedure`.
  static func readmeProgram() throws -> String? {
    let readme = try String(
      contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    guard let heading = readme.range(of: "\n## Your own procedure\n"),
      let open = readme.range(of: "```swift\n", range: heading.upperBound..<readme.endIndex),
      let close = readme.range(of: "\n```\n", range: open.upperBound..<readme.endIndex)
    else { return nil }
    return String(readme[open.upperBound..<close.lowerBound]) + "\n"
  }

  @Test func theReadmeShowsTheExampleAsItIs() throws {
    let example = try String(
      contentsOf: Self.root.appendingPathComponent("Examples/OwnProcedure/main.swift"),
      encoding: .utf8)
    let program = try #require(try Self.readmeProgram(), "no Swift block under the heading")
    #expect(program == example)
  }

  @Test func theProgramRunsAndSaysOK() async throws {
    let child = try ChildProcess.product("own-procedure", [])
    let (status, output) = try await child.finish()
    let lines = output.split(separator: "\n")
    #expect(status == 0, "\(output)")
    #expect(lines.last == "ok", "\(output)")
    #expect(lines.contains("100 of 100 sums correct"), "\(output)")
  }
}
