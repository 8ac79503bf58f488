import Foundation

// amqp-codegen [--spec PATH] [--output DIR] [--test-output DIR]
//
// Generates the AMQP method and property code of AMQPProtocol from the spec XML.
// `Scripts/generate` runs it and formats the output; `Scripts/generate --check` fails when
// the committed files drift from what the generator makes.

let defaultSpec = "/usr/share/amqp/specs/0-9-1-rabbit/amqp0-9-1.stripped.extended.xml"
var specPath = ProcessInfo.processInfo.environment["AMQP_SPEC_XML"] ?? defaultSpec
var outputDirectory = "Sources/AMQPProtocol/Generated"
var testOutputDirectory = "Tests/AMQPProtocolTests/Generated"

var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
  switch argument {
  case "--spec": specPath = arguments.next() ?? specPath
  case "--output": outputDirectory = arguments.next() ?? outputDirectory
  case "--test-output": testOutputDirectory = arguments.next() ?? testOutputDirectory
  default:
    FileHandle.standardError.write(
      Data("usage: amqp-codegen [--spec XML] [--output DIR] [--test-output DIR]\n".utf8))
    exit(2)
  }
}

do {
  guard FileManager.default.fileExists(atPath: specPath) else {
    throw GeneratorError(
      "spec XML not found at \(specPath): install Debian's amqp-specs package or pass --spec")
  }
  var spec = try SpecParser.parse(contentsOf: URL(fileURLWithPath: specPath))
  spec.addRabbitMQConnectionExtensions()
  spec.addMissingOkResponses()
  var methods = MethodEmitter(spec: spec)
  var properties = PropertiesEmitter(spec: spec)
  var samples = SampleEmitter(spec: spec)
  let files = [
    outputDirectory + "/AMQPMethod+Generated.swift": try methods.emit(),
    outputDirectory + "/AMQPBasicProperties+Generated.swift": try properties.emit(),
    testOutputDirectory + "/EveryMethodSample+Generated.swift": try samples.emit(),
  ]
  for (path, text) in files.sorted(by: { $0.key < $1.key }) {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    print("wrote \(path)")
  }
} catch {
  FileHandle.standardError.write(Data("amqp-codegen: \(error)\n".utf8))
  exit(1)
}
