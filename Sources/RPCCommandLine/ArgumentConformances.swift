import AMQPRPC
import ArgumentParser

// The RPC settings the commands take as options, once for every command.
extension RPCWorkMode: ExpressibleByArgument {}
extension RPCQueueType: ExpressibleByArgument {}
