import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPClient

/// A one-frame body is a view of the read buffer it was decoded from: a small one is copied
/// out, so that a kept message does not pin a whole read buffer (and NIO can reuse it).
@Suite struct ContentAssemblyTests {
  /// A body of `size` bytes as a slice of a 64 KiB read buffer, assembled as one frame.
  private func assembled(size: Int) -> ByteBuffer? {
    var read = ByteBufferAllocator().buffer(capacity: 65_536)
    read.writeRepeatingByte(0x2A, count: 65_536)
    guard let slice = read.getSlice(at: 100, length: size) else { return nil }
    var assembly = ContentAssembly<Int>(.deliver(.init(consumerTag: "c", deliveryTag: 1)))
    _ = assembly.received(
      .header(channel: 1, AMQPContentHeader(bodySize: UInt64(size), properties: .init())))
    guard case .complete(_, _, let body) = assembly.received(.body(channel: 1, slice)) else {
      return nil
    }
    return body
  }

  @Test func aSmallBodyGetsStorageOfItsOwn() throws {
    let body = try #require(assembled(size: 8))
    #expect(body.readableBytes == 8)
    #expect(body.storageCapacity < 1_024, "a slice of the read buffer: \(body.storageCapacity)")
    #expect(Array(body.readableBytesView) == Array(repeating: 0x2A, count: 8))
  }

  @Test func aBodyFillingMostOfItsBufferStaysAView() throws {
    let body = try #require(assembled(size: 60_000))
    #expect(body.readableBytes == 60_000)
    #expect(body.storageCapacity == 65_536)
  }
}
