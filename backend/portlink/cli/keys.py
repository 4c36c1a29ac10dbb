"""API keys of participant systems (``keys create|list|revoke``) and the custodial signing keys (``keys import``,
``wallet new``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from portlink.cli.app import app
from portlink.domain.consortium import parse_address
from portlink.services import platform
from portlink.settings import Settings

keys = typer.Typer(no_args_is_help=True, help="API keys of participant systems, and the custodial signing keys.")
app.add_typer(keys, name="keys")
wallet = typer.Typer(no_args_is_help=True, help="Signing keys of members, kept in the custodial keystore.")
app.add_typer(wallet, name="wallet")


@keys.command("create")
def keys_create(
    member: Annotated[str, typer.Option(help="The on-chain member the key acts for.")],
    label: Annotated[str, typer.Option(help="What the key is for (default: the member's name).")] = "",
) -> None:
    """Issue an API key bound to MEMBER (which must be an active member in the index). Shown once."""
    from portlink.services.runtime import Runtime

    try:
        account = parse_address(member)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--member'") from None
    key_id, token = Runtime(Settings()).keys.create(account, label)
    typer.echo(f"API key {key_id} for {account} (store it now; it is not shown again):")
    typer.echo(token)


@keys.command("list")
def keys_list(member: Annotated[str | None, typer.Option(help="Only this member's keys.")] = None) -> None:
    """List API keys (ids, members, labels, revocations; never secrets)."""
    from portlink.services.runtime import Runtime

    for key in Runtime(Settings()).keys.list(member):
        created = datetime.fromtimestamp(key.created_at, UTC).isoformat(timespec="seconds")
        revoked = " REVOKED" if key.revoked_at is not None else ""
        typer.echo(f"{key.key_id}  {key.member}  {created}  {key.label}{revoked}")


@keys.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id (the part after plk_).")]) -> None:
    """Revoke an API key at once."""
    from portlink.services.runtime import Runtime

    Runtime(Settings()).keys.revoke(key_id)
    typer.echo(f"API key {key_id} revoked")


@keys.command("import")
def keys_import(
    file: Annotated[
        Path | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="A Web3 Secret Storage key file (geth, Foundry's `cast wallet`, ape, eth-account write them).",
        ),
    ] = None,
    prompt: Annotated[bool, typer.Option("--prompt", help="Type the private key at a hidden prompt instead.")] = False,
) -> None:
    """Add a member's signing key to the custodial keystore (PORTLINK_API_KEYSTORE_PATH), encrypted with
    PORTLINK_API_KEYSTORE_PASSPHRASE; the API signs for that member once restarted."""
    if (file is None) == (not prompt):
        raise typer.BadParameter("give a key FILE or --prompt (one of them)", param_hint="FILE")
    settings = Settings()
    if file is not None:
        passphrase = typer.prompt(f"Passphrase of {file}", hide_input=True, err=True)
        address, path = platform.import_key_file(settings, file, passphrase)
    else:
        key = typer.prompt("Private key (hex, hidden)", hide_input=True, err=True).strip()
        address, path = platform.import_private_key(settings, key)
    typer.echo(f"Imported {address} into {path}")


@wallet.command("new")
def wallet_new() -> None:
    """Create a new signing key in the custodial keystore (PORTLINK_API_KEYSTORE_PATH, encrypted with
    PORTLINK_API_KEYSTORE_PASSPHRASE) and print its address, for the consortium to admit by vote."""
    address, path = platform.new_key(Settings())
    typer.echo(f"New key {address} in {path}")
    typer.echo("A port authority proposes it as a member (governance); once admitted, `portlink keys create` it.")
