"""The IoT vocabulary the backend uses is the contract's (issue #14, 7): the rule bits of `portlink.domain.iot.Rule`,
the corridor and clock limits and the reading type hash are read from the deployed monitor's public constants, whose
names come from its ABI, so a bit renumbered or added on chain fails here instead of mis-evaluating readings."""

from __future__ import annotations

from portlink.domain.iot import MAX_CLOCK_SKEW, MAX_CORRIDOR, READING_TYPEHASH, Rule


def _constants(iot, prefix: str) -> dict[str, int]:
    """Every public constant of the monitor whose name starts with `prefix`, as the ABI names it, with its value."""
    names = [f.name for f in iot.contract_type.view_methods if f.name.startswith(prefix) and not f.inputs]
    return {name: getattr(iot, name)() for name in names}


def test_backend_rule_bits_are_the_contracts(iot):
    on_chain = _constants(iot, "RULE_")
    assert on_chain  # the monitor publishes its rule bits
    backend = {f"RULE_{rule.name}": int(rule) for rule in Rule if rule}
    assert backend == on_chain


def test_backend_limits_and_reading_type_are_the_contracts(iot):
    assert (iot.MAX_CORRIDOR(), iot.MAX_CLOCK_SKEW()) == (MAX_CORRIDOR, MAX_CLOCK_SKEW)
    assert bytes(iot.READING_TYPEHASH()) == READING_TYPEHASH
