"""Nothing in the indexer names a PortLink event: any ABI decodes, and a contract added to the manifest later is
indexed from its deployment block with no code change. The shipped migrations create exactly the schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from eth_abi import encode
from eth_utils.crypto import keccak
from portlink.chain.rpc import JsonRpc, RangeTooLargeError
from portlink.indexer.catalog import EventCatalog
from portlink.indexer.indexer import Indexer, IndexerConfig
from portlink.indexer.writer import IndexWriter
from portlink.manifest import CUSTOMS
from portlink.store import schema
from portlink.store.engine import migrate, open_engine

from tests.indexer.conftest import SMALL, dump, fresh_dump

ESCROW_ABI = [
    {
        "type": "event",
        "name": "Funded",
        "anonymous": False,
        "inputs": [
            {"name": "financingId", "type": "uint256", "indexed": True},
            {"name": "memo", "type": "string", "indexed": True},
            {"name": "amount", "type": "uint128", "indexed": False},
            {"name": "small", "type": "uint32", "indexed": False},
            {
                "name": "terms",
                "type": "tuple",
                "indexed": False,
                "components": [{"name": "payer", "type": "address"}, {"name": "codes", "type": "bytes3[]"}],
            },
        ],
    }
]
ADDRESS = "0x" + "ab" * 20


def test_an_unknown_abi_with_tuples_arrays_and_hashed_indexed_strings_decodes_to_json():
    catalog = EventCatalog({"TradeFinanceEscrow": (ADDRESS, ESCROW_ABI)})
    signature = "Funded(uint256,string,uint128,uint32,(address,bytes3[]))"
    topic0 = "0x" + keccak(text=signature).hex()
    event = catalog.event(ADDRESS.upper().replace("0X", "0x"), topic0)
    assert event is not None
    assert event.signature == signature
    payer = "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"
    data = encode(["uint128", "uint32", "(address,bytes3[])"], [2**100, 7, (payer, [b"CNY", b"HKD"])])
    memo = "0x" + keccak(text="letter of credit").hex()
    topics = [topic0, "0x" + (42).to_bytes(32, "big").hex(), memo]
    assert event.decode(topics, "0x" + data.hex()) == {
        "financingId": "42",  # uint256: wider than JSON numbers are safe for
        "memo": memo,  # an indexed string is only its hash in the log
        "amount": str(2**100),
        "small": 7,
        "terms": {"payer": payer, "codes": ["0x434e59", "0x484b44"]},
    }
    assert catalog.event(ADDRESS, "0x" + "00" * 32) is None


def test_the_fast_decoder_agrees_with_eth_abi_on_every_layout_it_takes():
    abi = [
        {
            "type": "event",
            "name": "Noted",
            "anonymous": False,
            "inputs": [
                {"name": "delta", "type": "int64", "indexed": True},
                {"name": "flag", "type": "bool", "indexed": True},
                {"name": "note", "type": "string", "indexed": False},
                {"name": "seals", "type": "bytes16[]", "indexed": False},
                {"name": "blob", "type": "bytes", "indexed": False},
                {"name": "change", "type": "int32", "indexed": False},
                {"name": "who", "type": "address[]", "indexed": False},
            ],
        }
    ]
    (event,) = EventCatalog({"Any": (ADDRESS, abi)}).event_types()
    payer = "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"
    values = [
        "Shekou \u86c7\u53e3",
        [b"SEAL1".ljust(16, b"\0"), b"SEAL2".ljust(16, b"\0")],
        b"\x01\x02\x03",
        -5,
        [payer],
    ]
    data = encode(["string", "bytes16[]", "bytes", "int32", "address[]"], values)
    topics = [event.topic0, "0x" + encode(["int64"], [-7]).hex(), "0x" + encode(["bool"], [True]).hex()]
    assert event.decode(topics, "0x" + data.hex()) == {
        "delta": "-7",  # int64: wider than 48 bits, so text
        "flag": True,
        "note": "Shekou \u86c7\u53e3",
        "seals": ["0x5345414c3100000000000000000000" + "00", "0x5345414c3200000000000000000000" + "00"],
        "blob": "0x010203",
        "change": -5,
        "who": [payer],
    }


def _index_without_customs(anvil, url):
    """Index `url` up to the head from a manifest that does not list the customs contract yet."""
    engine = open_engine(url)
    migrate(engine)
    contracts = {n: c for n, c in anvil.manifest.contracts.items() if n != CUSTOMS}
    without = anvil.manifest.model_copy(update={"contracts": contracts})
    catalog = EventCatalog.from_manifest(without, anvil.manifest_path)
    Indexer(JsonRpc(anvil.rpc_url), IndexWriter(engine), without, catalog, SMALL).run(until_head=True)
    return engine


def test_a_contract_added_to_the_manifest_later_is_caught_up_from_its_deployment_block(anvil, database):
    anvil.activity.mixed(2)
    url = database()
    engine = _index_without_customs(anvil, url)
    assert all(row[1] != "CustomsClearance" for row in _events(engine))

    anvil.activity.mixed(1)
    anvil.indexer(url).run(until_head=True)  # the full manifest: customs caught up, then all together
    assert dump(engine) == fresh_dump(anvil, database())
    assert any(row[1] == "CustomsClearance" for row in _events(engine))


def test_a_reorganisation_found_while_a_contract_added_later_is_caught_up_is_rolled_back(anvil, database):
    anvil.activity.mixed(2)
    url = database()
    engine = _index_without_customs(anvil, url)
    anvil.w3.provider.make_request("anvil_reorg", [2, []])  # the blocks the index holds last are replaced
    anvil.activity.mixed(1)
    anvil.indexer(url).run(until_head=True)
    assert dump(engine) == fresh_dump(anvil, database())


def _events(engine):
    with engine.connect() as conn:
        return list(
            conn.execute(
                schema.events.select().with_only_columns(schema.events.c.block_number, schema.events.c.contract)
            )
        )


def test_the_shipped_migrations_create_exactly_the_schema_the_code_uses(database):
    engine = open_engine(database())
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []
    migrate(engine)  # idempotent


class LimitedNode(JsonRpc):
    """The real node behind a provider-style limit: eth_getLogs over more than `limit` blocks is refused with the
    message geth-based providers send."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(url)
        self.limit = limit
        self.refused = 0
        self.widest = 0

    def logs(self, addresses, from_block, to_block):
        if to_block - from_block + 1 > self.limit:
            self.refused += 1
            raise RangeTooLargeError("eth_getLogs", -32005, f"query exceeds max block range {self.limit}")
        self.widest = max(self.widest, to_block - from_block + 1)
        return super().logs(addresses, from_block, to_block)


def test_the_range_shrinks_when_the_node_refuses_and_learns_the_limit(anvil, database):
    anvil.activity.mixed(2)
    anvil.w3.provider.make_request("anvil_mine", [300])
    rpc = LimitedNode(anvil.rpc_url, limit=7)
    # In process: the limit is this client's, which the read-ahead process would not have.
    config = IndexerConfig(**{**SMALL.__dict__, "initial_block_range": 64, "max_block_range": 64, "read_ahead": False})
    engine = open_engine(database())
    migrate(engine)
    indexer = Indexer(rpc, IndexWriter(engine), anvil.manifest, anvil.catalog(), config)
    indexer.run(until_head=True)
    # Refused at 64, 32, 16 and 8 blocks, then never again: the range grows back only up to 7.
    assert 2 <= rpc.refused <= 5
    assert rpc.widest == 7
    assert indexer.ceiling == 7
    assert dump(engine) == fresh_dump(anvil, database())
