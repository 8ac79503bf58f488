.PHONY: demo test generate broker broker-tls

# The live demo: rpc-demo against a local RabbitMQ (started if none answers).
demo:
	Scripts/demo

# Lint, generated-code check, unit and integration tests (CI adds TEST_FLAGS=--tsan).
test:
	Scripts/test $(TEST_FLAGS)

generate:
	Scripts/generate

broker:
	Scripts/broker

# The TLS node (amqps on 127.0.0.1:5671) with test certificates made by openssl.
broker-tls:
	Scripts/broker-tls
