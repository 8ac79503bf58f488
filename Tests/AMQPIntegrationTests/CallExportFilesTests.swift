import AMQPRPC
import Foundation
import Testing

@testable import RPCDashboards
@testable import RPCScreens

/// The screen's export files: both written whole, never over an existing file, a failure
/// reported and nothing half-written left behind.
@Suite struct CallExportFilesTests {
  static func export(_ count: Int, path: String?) -> CallExport {
    let calls = (1...count).map { index in
      let body = "=\(index),\"x\"\n"
      return HistoryCall(
        call: CompletedCall(
          id: "c-\(index)", n: index,
          result: .success(
            RPCReply(
              correlationID: "c-\(index)", n: index, value: body, worker: "w1",
              roundTrip: .microseconds(10), timing: nil))),
        endedAtMicroseconds: 0, bodyBytes: body.utf8.count)
    }
    return CallExport(calls: calls, path: path, note: " (filter \"w1\")")
  }

  func directory() throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("export-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func writesBothFilesAndRefusesToOverwrite() throws {
    let folder = try directory()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let base = folder + "/calls"
    let written = CallExporter.write(Self.export(3, path: base + ".jsonl"), now: 0)
    #expect(try written.get() == "exported 3 calls to \(base).jsonl and .csv (filter \"w1\")")
    let lines = try String(contentsOfFile: base + ".jsonl", encoding: .utf8)
    #expect(lines.split(separator: "\n").count == 3)
    let csv = try String(contentsOfFile: base + ".csv", encoding: .utf8)
    #expect(csv.hasPrefix(CallRecord.csvHeader + "\r\n"))
    #expect(
      csv.contains("c-1,1,,ok,\"'=1,\"\"x\"\"\n\",,,10,,,,w1,1970-01-01T00:00:00.000000Z\r\n"))
    // Again: refused, the files untouched.
    switch CallExporter.write(Self.export(1, path: base), now: 0) {
    case .success(let text): Issue.record("overwrote: \(text)")
    case .failure(let failure): #expect("\(failure)".hasSuffix("exists (not overwritten)"))
    }
    #expect(try String(contentsOfFile: base + ".jsonl", encoding: .utf8) == lines)
  }

  @Test func theDefaultNameIsTheTimeInTheCurrentDirectory() {
    // 2026-11-30T16:12:42Z.
    #expect(
      CallExporter.base(Self.export(1, path: nil), now: 1_796_055_162_000_000)
        == "rpc-calls-20261130-161242")
    #expect(CallExporter.base(Self.export(1, path: "a/b.csv"), now: 0) == "a/b")
  }

  @Test func aReadOnlyDirectoryIsAFailureAndLeavesNothing() throws {
    guard getuid() != 0 else { return }  // root writes anywhere
    let folder = try directory()
    defer {
      chmod(folder, 0o755)
      try? FileManager.default.removeItem(atPath: folder)
    }
    chmod(folder, 0o555)
    switch CallExporter.write(Self.export(2, path: folder + "/calls"), now: 0) {
    case .success(let text): Issue.record("wrote: \(text)")
    case .failure(let failure): #expect("\(failure)".contains("Permission denied"), "\(failure)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
  }
}
