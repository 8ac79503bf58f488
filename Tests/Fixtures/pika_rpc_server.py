#!/usr/bin/env python3
"""A tutorial-six RPC server written with pika, as RabbitMQ's tutorial does it.

Usage: pika_rpc_server.py QUEUE   (AMQP_URL selects the broker)
Prints "ready" once it consumes, then serves until killed.
"""
import os
import sys

import pika

queue = sys.argv[1]
params = pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"))
connection = pika.BlockingConnection(params)
channel = connection.channel()
channel.queue_declare(queue=queue)


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def on_request(ch, method, props, body):
    n = int(body)
    ch.basic_publish(
        exchange="",
        routing_key=props.reply_to,
        properties=pika.BasicProperties(correlation_id=props.correlation_id),
        body=str(fib(n)),
    )
    ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=queue, on_message_callback=on_request)
print("ready", flush=True)
channel.start_consuming()
