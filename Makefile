.PHONY: demo test generate broker

# The live demo (for now: the AMQP core's round-trip demo against a real broker).
demo:
	Scripts/demo

# Lint, generated-code check, unit and integration tests (CI adds TEST_FLAGS=--tsan).
test:
	Scripts/test $(TEST_FLAGS)

generate:
	Scripts/generate

broker:
	Scripts/broker
