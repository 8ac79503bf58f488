#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written a line at a time with `write(2)` (no user-space buffer: a line written is
/// in the file even if the process is killed next), for records and exports. Opening never
/// overwrites: a new file is created (`O_EXCL`), or an existing one appended to when asked;
/// `-` is standard output. Not thread-safe: callers serialise.
package final class LineFile {
  /// Why a file could not be opened or written: the path and the system's reason.
  package struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var description: String { "\(path): \(reason)" }

    package init(path: String, reason: String) {
      self.path = path
      self.reason = reason
    }
  }

  /// How to open.
  package enum Mode: Sendable {
    /// Create the file; fail when it exists.
    case create
    /// Append to the file, creating it when missing.
    case append
  }

  package let path: String
  private var descriptor: Int32
  private let owned: Bool

  /// Opens `path` (`-`: standard output, never closed here).
  package init(path: String, mode: Mode) throws(Failure) {
    self.path = path
    if path == "-" {
      descriptor = 1
      owned = false
      return
    }
    let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == .create ? O_EXCL : O_APPEND)
    let opened = open(path, flags, 0o644)
    guard opened >= 0 else {
      let code = errno
      throw Failure(
        path: path,
        reason: code == EEXIST ? "exists (not overwritten)" : Self.reason(code))
    }
    descriptor = opened
    owned = true
  }

  deinit { if owned, descriptor >= 0 { _ = systemClose(descriptor) } }

  /// Writes `line` and a line end (`\n`, or `\r\n` for `crlf`).
  package func write(line: String, crlf: Bool = false) throws(Failure) {
    try write(line + (crlf ? "\r\n" : "\n"))
  }

  /// Writes `text` whole (retrying short writes and interrupted calls).
  package func write(_ text: String) throws(Failure) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
      let written = bytes.withUnsafeMutableBytes { buffer in
        systemWrite(descriptor, buffer.baseAddress.map { $0 + done }, buffer.count - done)
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw Failure(path: path, reason: Self.reason(errno))
      }
      done += written
    }
    bytes.removeAll()
  }

  /// Closes the file (standard output stays open); writing afterwards fails.
  package func close() throws(Failure) {
    guard owned, descriptor >= 0 else { return }
    let result = systemClose(descriptor)
    descriptor = -1
    if result != 0 { throw Failure(path: path, reason: Self.reason(errno)) }
  }

  /// Whether something exists at `path`.
  package static func exists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
  }

  /// Removes the file at `path`, if any.
  package static func remove(_ path: String) { unlink(path) }

  /// `Permission denied (errno 13)`.
  static func reason(_ code: Int32) -> String {
    "\(String(cString: strerror(code))) (errno \(code))"
  }
}

// The free functions, named apart from the methods above.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeMutableRawPointer?, _ count: Int) -> Int {
  write(fd, bytes, count)
}
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
