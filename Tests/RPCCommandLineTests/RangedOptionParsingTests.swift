import ArgumentParser
import Testing

@testable import RPCCommandLine

/// A command with ranged options as the executables declare them.
private struct SampleCommand: ParsableCommand {
  @Option(help: "Seconds to wait for each reply.", range: .replyTimeout)
  var timeout: Duration = .seconds(30)

  @Option(help: "Stop after this many calls.", range: .measuredCalls)
  var count: Int?

  @Option(help: "Prefetch.", range: .prefetch)
  var prefetch: UInt16 = 1
}

@Suite struct RangedOptionParsingTests {
  @Test func absentOptionsKeepTheirDefaults() throws {
    let command = try SampleCommand.parse([])
    #expect(command.timeout == .seconds(30))
    #expect(command.count == nil)
    #expect(command.prefetch == 1)
  }

  @Test func valuesInRangeAreParsed() throws {
    let command = try SampleCommand.parse(["--timeout", "2.5", "--count", "7", "--prefetch", "0"])
    #expect(command.timeout == .milliseconds(2_500))
    #expect(command.count == 7)
    #expect(command.prefetch == 0)
  }

  @Test(arguments: [
    (["--timeout", "inf"], "--timeout", "a number of seconds from 0.001 to 86400"),
    (["--timeout", "nan"], "--timeout", "a number of seconds from 0.001 to 86400"),
    (["--timeout", "-1"], "--timeout", "a number of seconds from 0.001 to 86400"),
    (["--timeout", "1e300"], "--timeout", "a number of seconds from 0.001 to 86400"),
    (["--count", "0"], "--count", "a whole number from 1 to 1000000000"),
    (["--count", "-5"], "--count", "a whole number from 1 to 1000000000"),
    (["--prefetch", "65536"], "--prefetch", "a whole number from 0 to 65535"),
  ])
  func badValuesAreUsageErrorsNamingTheOptionAndTheRange(
    arguments: [String], option: String, range: String
  ) {
    do {
      _ = try SampleCommand.parse(arguments)
      Issue.record("\(arguments) should be refused")
    } catch {
      #expect(SampleCommand.exitCode(for: error).rawValue == 64)
      let message = SampleCommand.message(for: error)
      #expect(message.contains("'\(option) <"), "\(message)")
      #expect(message.contains("must be \(range)"), "\(message)")
      #expect(message.contains("'\(arguments[1])'"), "\(message)")
    }
  }

  @Test func helpStatesEachRangeAndDefault() {
    let help = SampleCommand.helpMessage(columns: 500)
    #expect(
      help.contains(
        "Seconds to wait for each reply: a number of seconds from 0.001 to 86400 (default 30)."))
    #expect(help.contains("Stop after this many calls: a whole number from 1 to 1000000000."))
    #expect(
      help.contains("Prefetch: a whole number from 0 to 65535; 0 means unlimited (default 1)."))
  }
}
