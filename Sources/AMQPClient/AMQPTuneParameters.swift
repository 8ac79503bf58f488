import AMQPProtocol
import NIOCore

/// The limits agreed with the broker during the handshake.
public struct AMQPTuneParameters: Sendable, Hashable {
  /// The highest channel id that may be used (0 means 65535).
  public var channelMax: UInt16
  /// The largest frame in bytes, framing included (0 means no limit).
  public var frameMax: UInt32
  /// The heartbeat interval in seconds (0 means no heartbeats).
  public var heartbeat: UInt16

  public init(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16) {
    self.channelMax = channelMax
    self.frameMax = frameMax
    self.heartbeat = heartbeat
  }

  /// Negotiates each limit as RabbitMQ's clients do: 0 means "no limit", so when either side
  /// says 0 the other side's value wins; otherwise the smaller one. A frame_max below the
  /// spec's minimum (`frame-min-size`, 4096: every peer must accept frames that large) is
  /// raised to it, as amqp091-go's `negotiateFrameSize` does: a smaller one would leave no
  /// room for a method frame, and none for a body slice below 8 bytes.
  static func negotiate(client: AMQPTuneParameters, server: AMQPTuneParameters)
    -> AMQPTuneParameters
  {
    func pick<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
      a == 0 || b == 0 ? max(a, b) : min(a, b)
    }
    let frameMax = pick(client.frameMax, server.frameMax)
    return AMQPTuneParameters(
      channelMax: pick(client.channelMax, server.channelMax),
      frameMax: frameMax == 0 ? 0 : max(frameMax, AMQPFraming.minimumFrameMax),
      heartbeat: pick(client.heartbeat, server.heartbeat))
  }

  /// The highest usable channel id.
  var highestChannelID: UInt16 { channelMax == 0 ? .max : channelMax }

  /// The largest body slice that fits in one body frame.
  var maximumBodyFrameSize: Int {
    frameMax == 0 ? 1 << 20 : Int(max(frameMax, AMQPFraming.minimumFrameMax)) - 8
  }
}

extension Duration {
  /// The duration as NIO's `TimeAmount` (saturating).
  package var timeAmount: TimeAmount {
    let (seconds, attoseconds) = components
    let (nanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    return .nanoseconds(overflow ? .max : nanos &+ attoseconds / 1_000_000_000)
  }
}

extension TimeAmount {
  /// The time amount as a standard library `Duration`.
  package var duration: Duration { .nanoseconds(nanoseconds) }
}
