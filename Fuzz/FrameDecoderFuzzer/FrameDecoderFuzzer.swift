import AMQPProtocol
import FuzzHarness
import NIOCore

/// Feeds arbitrary bytes to the frame decoder, in the chunk sizes the first byte picks. Any
/// outcome but a trap is fine: frames, "need more bytes", or a thrown protocol error.
func decodeArbitraryBytes(_ bytes: UnsafeRawBufferPointer) {
  guard let first = bytes.first else { return }
  let chunkSize = Int(first % 32) + 1
  var decoder = AMQPFrameDecoder(maximumFrameSize: 131_072)
  var buffer = ByteBuffer()
  var offset = 1
  while offset < bytes.count {
    let end = min(bytes.count, offset + chunkSize)
    buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
    offset = end
    do {
      while let frame = try decoder.decodeFrame(from: &buffer) {
        // Re-encoding what was decoded must not trap either.
        var out = ByteBuffer()
        frame.encode(into: &out)
      }
    } catch {
      return
    }
  }
}

#if FUZZING
  /// libFuzzer's entry point (built by `Scripts/fuzz`).
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    decodeArbitraryBytes(UnsafeRawBufferPointer(start: data, count: size))
    return 0
  }
#else
  /// Without libFuzzer: replays the files named on the command line (a saved corpus or a
  /// crash reproducer) through the same function.
  @main
  enum FrameDecoderReplay {
    static func main() throws {
      try replayFiles(CommandLine.arguments.dropFirst()) { bytes in
        bytes.withUnsafeBytes { decodeArbitraryBytes($0) }
        return "replayed"
      }
    }
  }
#endif
