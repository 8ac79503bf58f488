.PHONY: demo test generate broker

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
