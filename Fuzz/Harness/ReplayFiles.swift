#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs `body` on the bytes of each file (a saved corpus entry or a crash reproducer) and
/// prints what it answered: the fuzzers' replay mode, without libFuzzer.
package func replayFiles(_ paths: some Sequence<String>, _ body: ([UInt8]) -> String) throws {
  for path in paths {
    guard let file = fopen(path, "rb") else { throw ReplayError(path: path) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = fread(&chunk, 1, chunk.count, file)
      if count <= 0 { break }
      bytes += chunk[0..<count]
    }
    print("\(path) (\(bytes.count) bytes): \(body(bytes))")
  }
}

/// A file to replay could not be opened.
package struct ReplayError: Error, CustomStringConvertible {
  package var path: String
  package var description: String { "cannot open \(path)" }
}
