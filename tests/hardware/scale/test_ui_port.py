"""The scale the screens see is typed in kiosk.core.scale (ScaleDesk, ScaleControls,
ScaleDemo), so kiosk/ui needs nothing from hardware/: the adapter, the simulator and
the rig of hardware/scale must keep fitting those ports."""

from __future__ import annotations

import dataclasses

from hardware.scale.adapter import ScaleAdapter
from hardware.scale.factory import ScaleRig
from hardware.scale.simulator import ScaleSimulator
from kiosk.core.scale import ScaleControls, ScaleDemo, ScaleDesk


def test_the_adapter_and_the_simulator_fit_the_screens_ports() -> None:
    adapter = ScaleAdapter("toledo8217", "loop://")
    simulator = ScaleSimulator("toledo8217")
    assert isinstance(adapter, ScaleControls)
    assert isinstance(simulator, ScaleDemo)
    assert not isinstance(simulator, ScaleControls)


def test_the_rig_has_what_the_desk_names() -> None:
    fields = {f.name for f in dataclasses.fields(ScaleRig)}
    assert set(ScaleDesk.__annotations__) <= fields
