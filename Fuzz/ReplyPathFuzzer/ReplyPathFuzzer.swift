import FuzzHarness

/// libFuzzer target: the client's reply path on arbitrary replies (see
/// ``ReplyPathHarness``). Built and run by `Scripts/fuzz reply-path`.
#if FUZZING
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(UnsafeRawBufferPointer(start: data, count: size))
    ReplyPathHarness.run(&input)
    return 0
  }
#else
  /// Without libFuzzer: replays the files named on the command line.
  @main
  enum ReplyPathReplay {
    static func main() throws {
      try replayFiles(CommandLine.arguments.dropFirst()) { bytes in
        var input = FuzzInput(bytes)
        return "\(ReplyPathHarness.run(&input))"
      }
    }
  }
#endif
