// What AMQPRPC's API needs, so that `import AMQPRPC` is the only import a program needs:
// the AMQP client (connections, properties, field tables) and NIO's byte buffer.
@_exported import AMQPClient

@_exported import struct NIOCore.ByteBuffer
