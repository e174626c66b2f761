"""Pause points of the chaos worker, chosen by ``IMPACTLAB_CHAOS_POINT`` (each pauses once: a marker file says it
did, so the retried attempt in the next worker runs through):

- ``snapshot``: inside the snapshot store's write, after the data file is linked and before the metadata file
  is: the worst moment, when a half-written snapshot lies on disk;
- ``report``: while the report's PDF is rendered, after its HTML file was written.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.apps import AppConfig


def _pause(marker: Path) -> None:
    if marker.exists():
        return
    marker.touch()
    time.sleep(600)  # until SIGKILL


class ChaosConfig(AppConfig):
    name = "tests_web.chaos"
    label = "chaos"

    def ready(self) -> None:
        marker = Path(os.environ["IMPACTLAB_CHAOS_MARKER"])
        point = os.environ["IMPACTLAB_CHAOS_POINT"]
        if point == "snapshot":
            from impactlab.evidence import datasets

            link = datasets._link_new

            def link_then_pause(tmp: Path, target: Path) -> bool:
                if target.suffix == ".json":
                    _pause(marker)
                return link(tmp, target)

            datasets._link_new = link_then_pause
        elif point == "report":
            from impactlab_web.review import reporting

            render = reporting.render_pdf

            def pause_then_render(doc, path):
                _pause(marker)
                return render(doc, path)

            reporting.render_pdf = pause_then_render
