import RPCCommandLine
import RPCDashboards

/// Writes what Ctrl-E and `:export` ask for (a ``CallExport``) to `BASE.jsonl` and
/// `BASE.csv` off the render loop, and says how it went through ``notices`` (drained by
/// the screen each frame). Never overwrites a file; a failure (a read-only directory, a full
/// disk) is a notice, and a half-written pair is removed.
struct CallExporter: Sendable {
  /// What the screen says: the text and whether it is an error.
  let notices = Inbox<(text: String, isError: Bool)>()

  /// Writes `export` in a task of its own.
  func write(_ export: CallExport) {
    let notices = self.notices
    Task.detached(priority: .utility) {
      switch Self.write(export, now: CallRecord.nowMicroseconds()) {
      case .success(let text): notices.append((text, false))
      case .failure(let failure): notices.append(("export failed: \(failure)", true))
      }
    }
  }

  /// The files' base: `export.path` without a `.jsonl` or `.csv` ending, else
  /// `rpc-calls-YYYYMMDD-HHMMSS` (UTC, at `now`) in the current directory.
  static func base(_ export: CallExport, now: Int64) -> String {
    guard let path = export.path, !path.isEmpty else {
      // `2026-11-30T16:12:42.123456Z` → `20261130-161242`.
      let stamp = CallRecord.iso8601(microseconds: now).prefix(19)
        .filter { $0 != "-" && $0 != ":" }.replacingT()
      return "rpc-calls-\(stamp)"
    }
    for ending in [".jsonl", ".csv"] where path.hasSuffix(ending) && path.count > ending.count {
      return String(path.dropLast(ending.count))
    }
    return path
  }

  /// Writes both files; returns the message (`exported 340 calls to BASE.jsonl and .csv`).
  static func write(_ export: CallExport, now: Int64) -> Result<String, LineFile.Failure> {
    let base = base(export, now: now)
    let (jsonl, csv) = (base + ".jsonl", base + ".csv")
    for path in [jsonl, csv] where LineFile.exists(path) {
      return .failure(LineFile.Failure(path: path, reason: "exists (not overwritten)"))
    }
    var created: [String] = []
    do throws(LineFile.Failure) {
      let lines = try LineFile(path: jsonl, mode: .create)
      created.append(jsonl)
      let table = try LineFile(path: csv, mode: .create)
      created.append(csv)
      try writeChunked(export.records.lazy.map { $0.jsonLine + "\n" }, to: lines)
      try table.write(line: CallRecord.csvHeader, crlf: true)
      try writeChunked(export.records.lazy.map { $0.csvRow + "\r\n" }, to: table)
      try lines.close()
      try table.close()
    } catch {
      for path in created { LineFile.remove(path) }
      return .failure(error)
    }
    let count = export.calls.count
    return .success(
      "exported \(count) call\(count == 1 ? "" : "s") to \(jsonl) and .csv\(export.note)")
  }

  /// Writes `lines` in writes of about 1 MiB.
  private static func writeChunked(
    _ lines: some Sequence<String>, to file: LineFile
  ) throws(LineFile.Failure) {
    var chunk = ""
    for line in lines {
      chunk += line
      if chunk.utf8.count >= 1 << 20 {
        try file.write(chunk)
        chunk = ""
      }
    }
    if !chunk.isEmpty { try file.write(chunk) }
  }
}

extension String {
  /// `20261130T161242` → `20261130-161242`.
  fileprivate func replacingT() -> String {
    String(map { $0 == "T" ? "-" : $0 })
  }
}
