import AMQPClient
import Testing

@testable import AMQPRPC

/// Transcripts of ``ReplyJudge``: what happened to each reply and its link in, what the
/// publisher does out (written `publish a`, `publish a alone`, `accept a`, `refuse a`).
@Suite struct ReplyJudgeTests {
  /// What RabbitMQ sends for a Direct Reply-to name it cannot resolve.
  static let internalError = AMQPError(
    .connectionClosedByServer, "the broker closed the connection: 541 INTERNAL_ERROR",
    replyCode: 541, replyText: "INTERNAL_ERROR")
  /// `rabbitmqctl close_connection`, or a broker shutting down.
  static let forced = AMQPError(
    .connectionClosedByServer, "the broker closed the connection: 320 CONNECTION_FORCED",
    replyCode: 320, replyText: "CONNECTION_FORCED")
  /// A socket gone without a close.
  static let socketLost = AMQPError(.connectionClosed, "the socket closed")
  /// A channel-level refusal, e.g. a Direct Reply-to consumer on another channel.
  static let preconditionFailed = AMQPError(
    .channelClosedByServer, "the broker closed the channel: 406 PRECONDITION_FAILED",
    replyCode: 406, replyText: "PRECONDITION_FAILED")

  static func describe(_ actions: [ReplyJudge<String>.Action]) -> [String] {
    actions.map { action in
      switch action {
      case .publish(let reply, let alone): "publish \(reply)" + (alone ? " alone" : "")
      case .accept(let reply): "accept \(reply)"
      case .refuse(let reply, _): "refuse \(reply)"
      }
    }
  }

  @Test func confirmedRepliesAreAcceptedAsTheyCome() {
    var judge = ReplyJudge<String>()
    #expect(Self.describe(judge.replyReady("a")) == ["publish a"])
    #expect(Self.describe(judge.replyReady("b")) == ["publish b"])
    #expect(Self.describe(judge.replyConfirmed("b", alone: false)) == ["accept b"])
    #expect(Self.describe(judge.replyConfirmed("a", alone: false)) == ["accept a"])
    #expect(judge.waitingCount == 0)
  }

  /// The refused reply is found among those lost with the link, and only it is refused:
  /// each is sent again alone, and new replies wait until all are judged.
  @Test func aLinkClosedUnderSeveralRepliesJudgesEachAloneAndRefusesOnlyTheCulprit() {
    var judge = ReplyJudge<String>()
    for reply in ["a", "poison", "c"] { _ = judge.replyReady(reply) }
    for reply in ["a", "poison", "c"] {
      #expect(judge.replyFailed(reply, alone: false, error: Self.internalError).isEmpty)
    }
    judge.linkLost()
    #expect(judge.replyReady("d").isEmpty, "held while the link is down")
    #expect(Self.describe(judge.linkRestored()) == ["publish a alone"])
    #expect(judge.replyReady("e").isEmpty, "held while suspects are judged")
    #expect(
      Self.describe(judge.replyConfirmed("a", alone: true)) == ["accept a", "publish poison alone"])
    #expect(
      Self.describe(judge.replyFailed("poison", alone: true, error: Self.internalError))
        == ["refuse poison"])
    judge.linkLost()
    #expect(Self.describe(judge.linkRestored()) == ["publish c alone"])
    #expect(
      Self.describe(judge.replyConfirmed("c", alone: true))
        == ["accept c", "publish d", "publish e"])
    #expect(judge.waitingCount == 0)
  }

  /// Without a close from the broker nothing was refused: a lone reply lost with the link
  /// (the network, an operator's close) is judged again first, never refused.
  @Test(arguments: [socketLost, forced])
  func aLoneReplyLostWithoutARefusalIsJudgedAgain(_ error: AMQPError) {
    var judge = ReplyJudge<String>()
    _ = judge.replyReady("a")
    _ = judge.replyReady("b")
    _ = judge.replyFailed("a", alone: false, error: error)
    _ = judge.replyFailed("b", alone: false, error: error)
    #expect(Self.describe(judge.linkRestored()) == ["publish a alone"])
    #expect(judge.replyFailed("a", alone: true, error: error).isEmpty)
    #expect(Self.describe(judge.linkRestored()) == ["publish a alone"])
    #expect(
      Self.describe(judge.replyConfirmed("a", alone: true)) == ["accept a", "publish b alone"])
  }

  @Test func aChannelRefusalIsARefusalToo() {
    var judge = ReplyJudge<String>()
    _ = judge.replyReady("a")
    _ = judge.replyFailed("a", alone: false, error: Self.preconditionFailed)
    #expect(Self.describe(judge.linkRestored()) == ["publish a alone"])
    #expect(
      Self.describe(judge.replyFailed("a", alone: true, error: Self.preconditionFailed))
        == ["refuse a"])
    #expect(judge.linkRestored().isEmpty)
    #expect(Self.describe(judge.replyReady("b")) == ["publish b"])
  }

  @Test func aNackedReplyIsRefusedAtOnce() {
    var judge = ReplyJudge<String>()
    _ = judge.replyReady("a")
    #expect(
      Self.describe(judge.replyNacked("a", alone: false, error: Self.socketLost)) == ["refuse a"])
    #expect(Self.describe(judge.replyReady("b")) == ["publish b"])
  }

  @Test func closingHandsBackEverythingNotOut() {
    var judge = ReplyJudge<String>()
    _ = judge.replyReady("a")
    _ = judge.replyFailed("a", alone: false, error: Self.socketLost)
    _ = judge.replyReady("b")
    #expect(judge.drain() == ["a", "b"])
    #expect(judge.waitingCount == 0)
  }

  @Test func onlyABrokerCloseOtherThanConnectionForcedIsARefusal() {
    #expect(ReplyJudge<String>.isRefusal(Self.internalError))
    #expect(ReplyJudge<String>.isRefusal(Self.preconditionFailed))
    #expect(!ReplyJudge<String>.isRefusal(Self.forced))
    #expect(!ReplyJudge<String>.isRefusal(Self.socketLost))
    #expect(!ReplyJudge<String>.isRefusal(AMQPError(.reconnecting, "down")))
  }
}
