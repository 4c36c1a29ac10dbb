"""`ape run deploy --network <ecosystem:network:provider> --account <alias>`: deploy and seed PortLink.

The same deployment path as `make run` and the tests (`portlink.deployment.deploy`), signed by an ape account.
The manifest goes to `.portlink/<ecosystem>-<network>/manifest.json` unless `--manifest` names another file.
Running it again against the same chain checks the deployment and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.api import AccountAPI
from ape.cli import ConnectedProviderCommand, account_option
from hexbytes import HexBytes
from portlink.deployment.service import deploy_configured
from portlink.errors import PortLinkError
from portlink.settings import Settings
from web3 import Web3
from web3.types import TxParams


class ApeAccountSigner:
    """Sends PortLink's transactions through an ape account (keyfile, hardware wallet or test account)."""

    def __init__(self, account: AccountAPI) -> None:
        self._account = account

    @property
    def address(self):  # ChecksumAddress
        return self._account.address

    def send(self, w3: Web3, tx: TxParams) -> HexBytes:
        ecosystem = self._account.provider.network.ecosystem
        fields = {"data": HexBytes(tx.get("data", b"")), "chain_id": w3.eth.chain_id, "value": tx.get("value", 0)}
        if "nonce" in tx:
            fields["nonce"] = tx["nonce"]
        if tx.get("to"):
            fields["receiver"] = tx["to"]
        txn = ecosystem.create_transaction(**fields)
        receipt = self._account.call(txn)
        return HexBytes(receipt.txn_hash)


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), help="Deployment manifest to write.")
@click.option("--seed", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Bootstrap consortium.")
def cli(ecosystem, network, provider, account, manifest, seed):
    """Deploy and seed the consortium contracts, or confirm an existing deployment."""
    settings = Settings()
    settings = settings.model_copy(
        update={
            "manifest_path": manifest or Path(".portlink") / f"{ecosystem.name}-{network.name}" / "manifest.json",
            "seed_path": seed or settings.seed_path,
        }
    )
    try:
        result = deploy_configured(provider.web3, settings, ApeAccountSigner(account))
    except PortLinkError as exc:
        raise click.ClickException(str(exc)) from None
    verb = "already deployed" if result.reused else "deployed"
    click.echo(f"PortLink {verb} on {ecosystem.name}:{network.name} (chain {result.manifest.chain_id})")
    for name, c in result.manifest.contracts.items():
        click.echo(f"  {name:<22} {c.address}")
    click.echo(f"  manifest               {result.manifest_path.resolve()}")
