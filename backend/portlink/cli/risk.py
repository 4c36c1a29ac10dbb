"""The risk model: ``risk train`` (a new version from the outcomes customs recorded) and ``risk model``."""

from __future__ import annotations

import typer

from portlink.cli.app import app
from portlink.settings import Settings

risk = typer.Typer(no_args_is_help=True, help="Risk-based inspection targeting: the model (advice to customs only).")
app.add_typer(risk, name="risk")


def _show(info: object) -> None:
    from portlink.services.risk import ModelInfo

    assert isinstance(info, ModelInfo)
    if not info.trained:
        typer.echo("risk model 0: the untrained prior (hand-set weights); train it once customs decided enough")
        return
    window = info.window
    metrics = info.metrics
    typer.echo(
        f"risk model {info.version}: trained on {window.get('declarations')} decided declarations "
        f"({window.get('findings')} findings, filed in blocks {window.get('fromFiledAt')}-{window.get('toFiledAt')}); "
        f"held out: ROC AUC {metrics.get('rocAuc')}, precision at top 5 % {metrics.get('precisionAt5')}, "
        f"inspections saved {metrics.get('inspectionsSaved')}"
    )


@risk.command("train")
def risk_train() -> None:
    """Train a new version of the risk model on every decided declaration in the index, and use it from now on."""
    from portlink.services.runtime import Runtime

    _show(Runtime(Settings()).risk.train())


@risk.command("model")
def risk_model() -> None:
    """The risk model in use: its version, training window and held-out metrics."""
    from portlink.services.runtime import Runtime

    _show(Runtime(Settings()).risk.model_info())
