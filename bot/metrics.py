"""Prometheus metrics of one process: webhooks, their latency, outbox depth, delivery failures."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.channels import Delivery


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.webhooks = Counter(
            "webpub_webhooks_total",
            "Webhook requests by channel and outcome",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.webhook_seconds = Histogram(
            "webpub_webhook_seconds",
            "Time to accept a webhook (verify, parse, record)",
            ["channel"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.deliveries = Counter(
            "webpub_deliveries_total",
            "Delivery attempts by channel and outcome",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "webpub_outbox_depth", "Outbox rows by status", ["status"], registry=self.registry
        )

    def delivery(self, channel: str, result: Delivery) -> None:
        if result.ok:
            outcome = "sent"
        elif result.reply_refused:
            outcome = "reply_refused"
        elif result.permanent:
            outcome = "failed"
        else:
            outcome = "retry"
        self.deliveries.labels(channel, outcome).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
