"""Telemetry: device readings from IoT gateways, checked, evaluated and batched for the chain."""
