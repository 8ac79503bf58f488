/// The values a numeric command-line option accepts: a closed range of whole numbers or of
/// seconds, checked while the command line is parsed.
///
/// A value that is not a number, not finite (`inf`, `nan`) or outside the range is refused
/// with an ``OptionRangeError`` that says what the option takes; ArgumentParser prints it
/// after the option's name and exits with status 64 (a usage error). So no value from the
/// command line reaches a conversion that could trap (`Int64(Double.infinity)`,
/// `Duration.seconds(1e300)`, `warmup + count` overflowing).
///
/// Declare options with ``ArgumentParser/Option/init(wrappedValue:name:help:range:)``; the
/// ranges every command shares are in `OptionRange+Limits.swift`.
package struct OptionRange<Value: Sendable>: Sendable {
  /// What the option takes, for messages and help: `a whole number from 1 to 1000`.
  package let description: String
  /// What the help adds after the range, e.g. `0 means unlimited`; empty for nothing.
  package let note: String
  private let convert: @Sendable (String) -> Value?
  private let describeValue: @Sendable (Value) -> String

  private init(
    description: String, note: String, convert: @escaping @Sendable (String) -> Value?,
    describeValue: @escaping @Sendable (Value) -> String
  ) {
    self.description = description
    self.note = note
    self.convert = convert
    self.describeValue = describeValue
  }

  /// The value `text` stands for.
  /// - Throws: ``OptionRangeError`` when `text` is not a number in the range.
  package func parse(_ text: String) throws(OptionRangeError) -> Value {
    guard let value = convert(text) else { throw OptionRangeError(expected: description) }
    return value
  }

  /// `value` as a person would type it: `30`, `0.5`.
  package func describe(_ value: Value) -> String { describeValue(value) }
}

extension OptionRange where Value: FixedWidthInteger {
  /// Whole numbers in `bounds` (decimal digits with an optional sign), as `Value`: `Int`
  /// for counts, `UInt16` for what AMQP carries in 16 bits (a prefetch count).
  package static func wholeNumbers(_ bounds: ClosedRange<Value>, note: String = "") -> Self {
    Self(
      description: "a whole number from \(bounds.lowerBound) to \(bounds.upperBound)", note: note,
      convert: { text in Value(text).flatMap { bounds.contains($0) ? $0 : nil } },
      describeValue: { String($0) })
  }
}

extension OptionRange where Value == Duration {
  /// A number of seconds in `bounds`, fractions allowed (`0.5`, `1e-3`), as a `Duration`.
  /// `bounds` must lie within 0…9e9 s (a programmer's constant), so that no accepted value
  /// can trap when converted to a `Duration` or a nanosecond `TimeAmount`.
  package static func seconds(_ bounds: ClosedRange<Double>, note: String = "") -> Self {
    precondition(
      bounds.lowerBound >= 0 && bounds.upperBound <= 9e9, "a programming error: bounds \(bounds)")
    return Self(
      description:
        "a number of seconds from \(secondsText(bounds.lowerBound)) to \(secondsText(bounds.upperBound))",
      note: note,
      convert: { text in
        // Decimal only: `Double` also reads `inf`, `nan` and hex floats (`0x10` is 16).
        guard text.allSatisfy({ "0123456789.eE+-".contains($0) }), let seconds = Double(text),
          seconds.isFinite, bounds.contains(seconds)
        else {
          return nil
        }
        return .seconds(seconds)
      },
      describeValue: {
        secondsText(Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18)
      })
  }
}

/// `30`, `0.5`, `0.001`: seconds without a needless `.0`.
private func secondsText(_ seconds: Double) -> String {
  seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : String(seconds)
}

/// A command-line value outside what its option takes. ArgumentParser shows it as
/// `The value 'inf' is invalid for '--timeout <timeout>': must be a number of seconds from
/// 0.001 to 86400`.
package struct OptionRangeError: Error, Hashable, CustomStringConvertible {
  /// What the option takes: `a whole number from 1 to 1000`.
  package var expected: String
  package var description: String { "must be \(expected)" }
}
