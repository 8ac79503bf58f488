import FuzzHarness

/// libFuzzer target: the server's request path on arbitrary deliveries (see
/// ``RequestPathHarness``). Built and run by `Scripts/fuzz request-path`.
#if FUZZING
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(UnsafeRawBufferPointer(start: data, count: size))
    RequestPathHarness.run(&input)
    return 0
  }
#else
  /// Without libFuzzer: replays the files named on the command line.
  @main
  enum RequestPathReplay {
    static func main() throws {
      try replayFiles(CommandLine.arguments.dropFirst()) { bytes in
        var input = FuzzInput(bytes)
        return "\(RequestPathHarness.run(&input))"
      }
    }
  }
#endif
