extension AMQPBasicProperties {
  /// The `correlation-id` property flag bit (AMQP 0-9-1, basic class properties).
  private static let correlationIDFlag: UInt16 = 1 << 10

  /// `correlation-id` as bytes, exactly as received or to be sent; `nil` when absent.
  ///
  /// A short string is bytes on the wire (AMQP 0-9-1 §4.2.5.3), not necessarily UTF-8:
  /// ``correlationID`` shows invalid sequences as U+FFFD, these bytes keep them. A server
  /// echoing a request's id copies these, so that a reply always carries what was sent
  /// (absent stays absent, empty stays empty). Setting more than 255 bytes is a programming
  /// error reported when the message is published.
  public var correlationIDBytes: [UInt8]? {
    get {
      nonUTF8ShortStrings[flag: Self.correlationIDFlag] ?? correlationID.map { Array($0.utf8) }
    }
    set {
      guard let newValue else {
        correlationID = nil
        return
      }
      let text = String(decoding: newValue, as: UTF8.self)
      correlationID = text
      if !text.utf8.elementsEqual(newValue) {
        nonUTF8ShortStrings[flag: Self.correlationIDFlag] = newValue
      }
    }
  }

  /// Whether every short-string property holds exactly the bytes it was received with
  /// (true unless one was not valid UTF-8).
  public var shortStringsAreUTF8: Bool { nonUTF8ShortStrings.isEmpty }
}

extension AMQPBasicProperties {
  /// The `message-id` property flag bit (AMQP 0-9-1, basic class properties).
  private static let messageIDFlag: UInt16 = 1 << 7

  /// `message-id` as bytes, exactly as received; `nil` when absent. (A requester that sends
  /// no `correlation-id` matches the reply by this one; see ``correlationIDBytes``.)
  public var messageIDBytes: [UInt8]? {
    nonUTF8ShortStrings[flag: Self.messageIDFlag] ?? messageID.map { Array($0.utf8) }
  }
}
