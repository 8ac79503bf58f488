// The protocol values AMQPClient's API takes and returns (message properties, field tables
// and their values), so that `import AMQPClient` is enough to use it, and NIO's byte buffer.
@_exported import struct AMQPProtocol.AMQPBasicProperties
@_exported import struct AMQPProtocol.AMQPFieldTable
@_exported import enum AMQPProtocol.AMQPFieldValue
@_exported import struct NIOCore.ByteBuffer
