#!/usr/bin/env python3
"""A tutorial-six RPC client written with pika, as RabbitMQ's tutorial does it (plus a
timeout, so a broken server fails the test instead of hanging it).

Usage: pika_rpc_client.py QUEUE N...   (AMQP_URL selects the broker)
Prints "fib(N) = VALUE" per number; exits 1 on a timeout.
"""
import os
import sys
import time
import uuid

import pika

queue = sys.argv[1]
params = pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"))
connection = pika.BlockingConnection(params)
channel = connection.channel()
callback_queue = channel.queue_declare(queue="", exclusive=True).method.queue
responses = {}


def on_response(ch, method, props, body):
    responses[props.correlation_id] = body


channel.basic_consume(queue=callback_queue, on_message_callback=on_response, auto_ack=True)

for n in sys.argv[2:]:
    corr_id = str(uuid.uuid4())
    channel.basic_publish(
        exchange="",
        routing_key=queue,
        properties=pika.BasicProperties(reply_to=callback_queue, correlation_id=corr_id),
        body=str(n),
    )
    deadline = time.monotonic() + 20
    while corr_id not in responses:
        if time.monotonic() > deadline:
            print(f"fib({n}) timed out", flush=True)
            sys.exit(1)
        connection.process_data_events(time_limit=0.5)
    print(f"fib({n}) = {responses[corr_id].decode()}", flush=True)

connection.close()
