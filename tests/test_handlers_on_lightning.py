"""The same handlers on the engines of EngineCallback, inside a plain pl.Trainer."""

from __future__ import annotations

import io

import pytorch_lightning as pl
import torch

from bridge.contrib.handlers.custom_events import CustomPeriodicEvent
from bridge.engine import Events
from bridge.handlers.param_scheduler import LinearCyclicalScheduler
from bridge.handlers.timing import Timer
from bridge.handlers.tqdm_logger import ProgressBar
from bridge.lightning import EngineCallback


class Model(pl.LightningModule):
    def __init__(self, optimizer_lr: float = 0.1) -> None:
        super().__init__()
        self.net = torch.nn.Linear(2, 1)
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=optimizer_lr)
        self.lrs: list[float] = []

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        self.lrs.append(self.optimizer.param_groups[0]["lr"])
        return self.net(batch).pow(2).mean()

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return self.optimizer


def test_handlers_on_engine_callback() -> None:
    model = Model()
    callback = EngineCallback()
    train = callback.train
    LinearCyclicalScheduler(model.optimizer, "lr", 0.1, 0.0, cycle_size=4).attach(train)
    timer = Timer(average=True).attach(
        train, resume=Events.ITERATION_STARTED, pause=Events.ITERATION_COMPLETED, step=Events.ITERATION_COMPLETED
    )
    out = io.StringIO()
    ProgressBar(persist=True, file=out, mininterval=0, bar_format="{desc}[{n_fmt}/{total_fmt}]{postfix}").attach(
        train, output_transform=lambda output: {"loss": output["loss"]}
    )
    every_2 = CustomPeriodicEvent(n_iterations=2)
    every_2.attach(train)
    periods: list[int] = []
    train.add_event_handler(every_2.ITERATIONS_2_COMPLETED, lambda e: periods.append(e.state.iteration))

    trainer = pl.Trainer(max_epochs=2, callbacks=[callback], accelerator="cpu", logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)  # fmt: skip
    trainer.fit(model, torch.utils.data.DataLoader(torch.ones(12, 2), batch_size=4))

    expected = [v for _, v in LinearCyclicalScheduler.simulate_values(6, param_name="lr", start_value=0.1, end_value=0.0, cycle_size=4)]
    assert model.lrs == expected
    assert timer.step_count == 6.0 and timer.value() > 0.0
    assert periods == [2, 4, 6]
    last = out.getvalue().replace("\n", "\r").split("\r")
    assert any(line.startswith("Epoch [2/2]: [3/3], loss=") for line in last)
