.PHONY: demo test generate broker

# The live demo (for now: the AMQP core's round-trip demo against a real broker).
demo:
	Scripts/demo

# Everything CI runs: lint, generated-code check, unit and integration tests.
test:
	Scripts/test

generate:
	Scripts/generate

broker:
	Scripts/broker
