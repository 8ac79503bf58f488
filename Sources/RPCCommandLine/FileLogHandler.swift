import Logging
import NIOConcurrencyHelpers

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An append-only log file shared by every logger of a process.
package final class FileLogSink: Sendable {
  // The FILE pointer is only used under `lock`, and fclose happens in deinit when no one
  // else can hold a reference, so the sink is safe to share.
  private let lock = NIOLock()
  private nonisolated(unsafe) let file: UnsafeMutablePointer<FILE>

  /// Opens `path` to append; `role` names the file in the error (`log file`, `trace file`),
  /// which says why it could not be opened.
  package init(path: String, role: String = "log file") throws {
    guard let file = fopen(path, "a") else {
      let reason = String(cString: strerror(errno))
      throw CommandFailure("cannot open \(role) \(path): \(reason)")
    }
    self.file = file
  }

  deinit { fclose(file) }

  func write(_ line: String) {
    lock.withLock {
      fputs(line, file)
      fflush(file)
    }
  }
}

/// A swift-log handler writing one line per message to a ``FileLogSink``.
package struct FileLogHandler: LogHandler {
  package var metadata: Logger.Metadata = [:]
  package var logLevel: Logger.Level = .info
  let label: String
  let sink: FileLogSink

  package init(label: String, sink: FileLogSink) {
    self.label = label
    self.sink = sink
  }

  package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  package func log(event: LogEvent) {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    let merged = metadata.merging(event.metadata ?? [:]) { $1 }
    let details =
      merged.isEmpty
      ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
    sink.write(
      "\(time.tv_sec).\(String(format3(time.tv_nsec / 1_000_000))) \(event.level) \(label): \(event.message)\(details)\n"
    )
  }
}

private func format3(_ value: Int) -> String {
  let text = String(value)
  return String(repeating: "0", count: max(0, 3 - text.count)) + text
}
