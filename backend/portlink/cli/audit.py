"""Auditing: the index against the chain (``audit verify``) and a document against its anchor (``doc verify``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from portlink.cli.app import app
from portlink.cli.progress import Progress
from portlink.errors import PortLinkError
from portlink.settings import Settings

audit = typer.Typer(no_args_is_help=True, help="Audit the index against the chain.")
app.add_typer(audit, name="audit")
doc = typer.Typer(no_args_is_help=True, help="Documents anchored on chain.")
app.add_typer(doc, name="doc")


@audit.command("verify")
def audit_verify() -> None:
    """Re-read every log of the manifest contracts from the chain and report each difference from the index."""
    from portlink.services.runtime import Runtime

    settings = Settings()
    runtime = Runtime(settings)
    contracts, checkpoint = runtime.audit.indexed_range()
    if checkpoint is None:
        raise PortLinkError("the index is empty: run `portlink index` first")
    start = min((first for _, first in contracts.values()), default=checkpoint)
    with Progress("Comparing", checkpoint - start + 1, unit="blocks") as bar:
        compared, differences = runtime.audit.verify(
            settings.rpc_url, timeout=settings.indexer_rpc_timeout_seconds, progress=bar.advance
        )
    for difference in differences:
        typer.echo(str(difference))
    typer.echo(f"{compared} logs in blocks {start}-{checkpoint} compared: {len(differences) or 'no'} differences")
    if differences:
        raise typer.Exit(2)


@doc.command("verify")
def doc_verify(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Check FILE's keccak-256 against the shipment registry on chain: anchored, by whom, latest version or not."""
    from portlink.services.documents import digest_of
    from portlink.services.runtime import Runtime

    digest = digest_of(file.read_bytes())
    anchor = Runtime(Settings()).documents.verify_on_chain(digest)
    typer.echo(f"{file}: keccak-256 {digest}")
    if not anchor.anchored:
        typer.echo("not anchored on chain")
        raise typer.Exit(1)
    typer.echo(
        f"anchored: shipment {anchor.shipment_id}, {anchor.doc_type} version {anchor.version}, by {anchor.anchored_by} "
        f"at {anchor.anchored_at} ({'the latest version' if anchor.latest else 'SUPERSEDED by a newer version'})"
    )
