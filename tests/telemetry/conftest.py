"""The telemetry tests drive the real IoTMonitor with the IoT tests' devices and fixtures."""

from tests.iot.conftest import field, iot, iot_domain  # noqa: F401 - fixtures
from tests.shipments.conftest import journey  # noqa: F401 - a fixture
