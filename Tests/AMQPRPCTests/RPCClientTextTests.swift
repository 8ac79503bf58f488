import NIOCore
import Testing

@testable import AMQPRPC

/// Correlation-id prefixes of one length, and timeouts written as they were asked.
@Suite struct RPCClientTextTests {
  @Test(arguments: [
    (UInt32(0x098c_9779), "098c9779"), (0xb462_eb83, "b462eb83"), (0, "00000000"),
    (0xf, "0000000f"), (UInt32.max, "ffffffff"),
  ])
  func prefixesAreEightHexDigitsWithLeadingZeros(value: UInt32, prefix: String) {
    #expect(RPCClient.hex(value) == prefix)
  }

  @Test(arguments: [
    (TimeAmount.milliseconds(1), "1 ms"), (.microseconds(500), "0.5 ms"),
    (.microseconds(1_250), "1.25 ms"), (.milliseconds(250), "250 ms"), (.seconds(2), "2 s"),
    (.milliseconds(1_500), "1.5 s"), (.seconds(86_400), "86400 s"), (.nanoseconds(1), "0 ms"),
  ])
  func timeoutsAreWrittenAsAsked(amount: TimeAmount, text: String) {
    #expect(RPCClient.timeoutText(amount) == text)
  }
}
