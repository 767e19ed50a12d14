"""Keeping the maps current while the server runs: a background task of the app's lifespan.

When the server starts, every municipality's maps are built, unless the folder already holds
a build of the same data with the same settings and code (a restart). Then, every
``GISAPP_MAPS__POLL_SECONDS``, a cheap query per municipality (:func:`data.fingerprint`:
count and newest change of the public assets as the public role sees them, newest label
event, the public types) tells whether anything a map shows has changed. A change is built
once it has been quiet for ``GISAPP_MAPS__QUIET_SECONDS`` (an import of 500 assets is one
rebuild, not 500); and every ``GISAPP_MAPS__REBUILD_HOURS`` each map is rebuilt anyway.

Builds run one after another; rendering happens in a worker thread, so requests are served
meanwhile. Several server processes each keep their own schedule: a build replaces the
folder in one step, so the last one wins and no visitor sees half a build.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from fastapi import FastAPI

from gisapp.errors import NotFound
from gisapp.public_maps import data, publish
from gisapp.settings import Settings

log = logging.getLogger("gisapp.maps")


@dataclass
class _State:
    built: str | None = None  # fingerprint of the last build
    built_at: float = 0.0  # monotonic
    seen: str | None = None  # fingerprint last seen
    seen_since: float = 0.0


@dataclass
class MapScheduler:
    """Decides, per municipality, when to rebuild (the clock is passed in, for tests)."""

    settings: Settings
    states: dict[str, _State] = field(default_factory=dict)
    inputs: str = ""

    def __post_init__(self) -> None:
        self.inputs = publish.build_inputs(self.settings)

    def due(self, slug: str, stamp: str, now: float) -> bool:
        """True when this municipality's maps should be built now."""
        if slug not in self.states:
            self.states[slug] = self._from_disk(slug, now)
        state = self.states[slug]
        if stamp != state.seen:
            state.seen, state.seen_since = stamp, now
        if state.built is None:
            return True
        if now - state.built_at >= self.settings.maps.rebuild_hours * 3600:
            return True
        return stamp != state.built and now - state.seen_since >= self.settings.maps.quiet_seconds

    def _from_disk(self, slug: str, now: float) -> _State:
        """A build already there (before a restart) counts when it was made from the same
        data and inputs; its age counts towards the daily rebuild."""
        state = _State()
        manifest = publish.read_manifest(publish.maps_dir(self.settings) / slug)
        if manifest and manifest.get("inputs") == self.inputs:
            try:
                age = (datetime.now(UTC) - datetime.fromisoformat(manifest["built_at"]))
            except (KeyError, TypeError, ValueError):
                return state
            state.built = manifest.get("fingerprint")
            state.built_at = now - max(age.total_seconds(), 0.0)
        return state

    def done(self, slug: str, stamp: str, now: float) -> None:
        state = self.states.setdefault(slug, _State())
        state.built, state.built_at = stamp, now

    def _adopt(self, slug: str, stamp: str, now: float) -> None:
        """Take over a build another process made meanwhile from this very data."""
        state = self.states.get(slug)
        if state is not None and state.built != stamp:
            on_disk = self._from_disk(slug, now)
            if on_disk.built == stamp:
                state.built, state.built_at = on_disk.built, on_disk.built_at

    async def run_once(self, maker) -> list[publish.BuildResult]:
        """One round: look at every municipality, build those that are due.

        Only one process builds into a maps folder at a time (every server worker runs this
        schedule): the others skip the round and adopt the result from its manifest."""
        results: list[publish.BuildResult] = []
        lock = _try_lock(publish.maps_dir(self.settings))
        if lock is None:
            return results
        try:
            for slug in await data.municipality_ids(maker):
                try:
                    stamp = await data.fingerprint(maker, slug)
                    self._adopt(slug, stamp, time.monotonic())
                    if not self.due(slug, stamp, time.monotonic()):
                        continue
                    result = await publish.build(maker, self.settings, slug)
                    self.done(slug, stamp, time.monotonic())
                    log.info("public maps of %s built: %s", slug, result.layers)
                    results.append(result)
                except NotFound:
                    self.states.pop(slug, None)  # removed meanwhile
        finally:
            lock.close()
        return results

    async def run(self, maker) -> None:
        while True:
            try:
                await self.run_once(maker)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed build must not stop the schedule; it is logged
                log.exception("building the public maps failed")
            await asyncio.sleep(self.settings.maps.poll_seconds)


def _try_lock(folder: Path) -> IO | None:
    """An exclusive lock on the maps folder's lock file, or None when another process holds
    it. Released when the returned file is closed (or the process ends)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / ".build-lock", "a")  # noqa: SIM115 - closed by the caller
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


@asynccontextmanager
async def map_scheduler(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Run the scheduler for the app's lifetime (when ``GISAPP_MAPS__AUTO_BUILD`` is on)."""
    if not settings.maps.auto_build:
        yield
        return
    scheduler = MapScheduler(settings)
    app.state.map_scheduler = scheduler
    task = asyncio.create_task(scheduler.run(app.state.sessionmaker), name="public-maps")
    try:
        yield
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
